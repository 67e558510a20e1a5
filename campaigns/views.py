"""Thin views: parse the request, call a selector or service, render."""

from __future__ import annotations

import csv
import hashlib
import io
import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_http_methods

from . import abuse, permissions, selectors, services
from .forms import (
    ConfirmForm,
    DataRequestForm,
    InvalidateForm,
    ProposalForm,
    ResponseForm,
    SignForm,
    UpdateForm,
)
from .models import CampaignPage
from .text import spreadsheet_row


def _initial_for(user) -> dict:
    if not getattr(user, "is_authenticated", False):
        return {}
    # the display name alone (get_full_name adds a staff member's email, for the admin)
    name = user.get_short_name() if hasattr(user, "get_short_name") else ""
    if not name:
        profile = getattr(user, "profile", None)
        name = getattr(profile, "display_name", "") if profile else ""
    return {"name": name, "email": user.email}


# --- the campaign page (routed by CampaignPage.campaign) ---------------------------


def campaign_page(request, page: CampaignPage):
    """The page with the sign form. POSTs to the page itself (forms rendered before the sign URL existed)
    are still handled here; the form now posts to :func:`sign`."""
    if request.method == "POST":
        failed = _sign(request, page)
        if failed is None:
            return TemplateResponse(request, "campaigns/sign_thanks.html", {"page": page, "self": page})
        form, status = failed
        return _render_campaign(request, page, form, status)
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405)
    return _render_campaign(request, page, SignForm(initial=_initial_for(request.user)), 200)


def _render_campaign(request, page: CampaignPage, form: SignForm, status: int) -> TemplateResponse:
    context = page.get_context(request)
    context["form"] = form
    context["can_manage"] = permissions.can_manage(request.user, page)
    return TemplateResponse(request, page.get_template(request), context, status=status)


def _sign(request, page: CampaignPage) -> tuple[SignForm, int] | None:
    """Check the posted sign form and sign through the service.

    None when signed — or when the honeypot caught a bot, which must look the
    same; otherwise the bound form with its errors and the status to answer.
    """
    form = SignForm(request.POST)
    if not form.is_valid():
        return form, 400
    if form.is_bot:
        return None
    data = form.cleaned_data
    try:
        services.sign_campaign(
            campaign=page, name=data["name"], email=data["email"], postcode=data["postcode"],
            country=data["country"], consent_given=data["consent"], updates_opt_in=data["updates_opt_in"],
            show_name=data["show_name"], ip=abuse.client_ip(request), user=request.user,
            consent_version=data["consent_version"],
        )
    except services.SigningError as exc:
        form.add_error(exc.field, exc.message)
        return form, 429 if exc.code == "rate_limited" else 400
    return None


@require_http_methods(["GET", "HEAD", "POST"])
def sign(request, page_id: int):
    """Where the sign form posts: a plain URL, no walk through the page tree and no page render on success.

    Signed (or a bot pretending): 303 to the light "check your mail" page, so
    a reload does not post again. Errors re-render the campaign page with the
    form and the data entered (400, or 429 when rate-limited). A GET (someone
    reloading the address) goes to the campaign page.
    """
    page = selectors.campaign_for_signing(page_id)
    if page is None:
        raise Http404
    if request.method != "POST" or not selectors.view_restrictions_pass(page, request):
        return redirect(page.get_url(request))
    failed = _sign(request, page)
    if failed is None:
        response = redirect("campaigns:sign_thanks", page_id=page.pk)
        response.status_code = 303
        return response
    form, status = failed
    request.is_preview = False
    return _render_campaign(request, CampaignPage.objects.get(pk=page.pk), form, status)


@require_GET
def sign_thanks(request, page_id: int):
    """"Almost done: confirm through the link we mailed" — the same page whatever the outcome (it never tells
    whether the address had signed before)."""
    page = selectors.campaign_for_signing(page_id)
    if page is None:
        raise Http404
    return TemplateResponse(request, "campaigns/sign_thanks.html", {"page": page, "self": page})


@xframe_options_exempt
def campaign_embed(request, page: CampaignPage):
    """The only frameable view: count, progress and a link to sign."""
    stats = selectors.live_stats(page.pk)
    return TemplateResponse(
        request,
        "campaigns/embed.html",
        {"page": page, "self": page, "stats": stats, "absolute_url": request.build_absolute_uri(page.url)},
    )


# --- index --------------------------------------------------------------------------


def index_redirect(request):
    """``campaigns:index``: the live CampaignIndexPage (served in place when it lives at this very URL)."""
    index = selectors.campaign_index()
    if index is None or not index.url:
        raise Http404(_("Es gibt noch keine Kampagnenübersicht."))
    if index.url == request.path:
        return index.serve(request)
    return redirect(index.url)


# --- signing links from mails -------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token: str):
    signature_id = services.read_token(services.CONFIRM_SALT, token, max_age=(services.confirmation_days() + 1) * 86400)
    if signature_id is None:
        return TemplateResponse(request, "campaigns/confirm.html", {"outcome": "invalid"}, status=400)
    if request.method == "POST":
        result = services.confirm_signature(signature_id=signature_id)
        campaign = result.signature.campaign if result.signature else None
        status = 200 if result.outcome in ("confirmed", "already") else 400
        return TemplateResponse(
            request,
            "campaigns/confirm.html",
            {"outcome": result.outcome, "campaign": campaign, "count": campaign.signature_count if campaign else None},
            status=status,
        )
    from .models import Signature

    signature = Signature.objects.select_related("campaign").filter(pk=signature_id).first()
    if signature is None:
        return TemplateResponse(request, "campaigns/confirm.html", {"outcome": "invalid"}, status=400)
    return TemplateResponse(
        request,
        "campaigns/confirm.html",
        {"outcome": "ask", "campaign": signature.campaign, "form": ConfirmForm(), "already": signature.status == "confirmed"},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def withdraw(request, token: str):
    signature_id = services.read_token(services.WITHDRAW_SALT, token)
    if signature_id is None:
        return TemplateResponse(request, "campaigns/withdraw.html", {"outcome": "invalid"}, status=400)
    if request.method == "POST":
        outcome = services.withdraw_signature(signature_id=signature_id)
        return TemplateResponse(request, "campaigns/withdraw.html", {"outcome": outcome})
    return TemplateResponse(request, "campaigns/withdraw.html", {"outcome": "ask", "form": ConfirmForm()})


@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    signature_id = services.read_token(services.UNSUBSCRIBE_SALT, token)
    if signature_id is None:
        return TemplateResponse(request, "campaigns/unsubscribe.html", {"outcome": "invalid"}, status=400)
    if request.method == "POST":
        services.unsubscribe_updates(signature_id=signature_id)
        return TemplateResponse(request, "campaigns/unsubscribe.html", {"outcome": "done"})
    return TemplateResponse(request, "campaigns/unsubscribe.html", {"outcome": "ask", "form": ConfirmForm()})


# --- signer's own data ---------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def data_request(request):
    form = DataRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.request_own_data(email=form.cleaned_data["email"])
        return TemplateResponse(request, "campaigns/data_request.html", {"sent": True})
    return TemplateResponse(request, "campaigns/data_request.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
def my_data(request, token: str):
    email_normalized = services.read_token(services.DATA_REQUEST_SALT, token, max_age=86400)
    if email_normalized is None:
        return TemplateResponse(request, "campaigns/my_data.html", {"invalid": True}, status=400)
    signatures = selectors.signatures_for_email(email_normalized)
    rows = []
    for signature in signatures:
        withdraw_url = None
        if signature.status in ("pending", "confirmed") and signature.campaign.phase == "open":
            from django.urls import reverse

            withdraw_url = reverse("campaigns:withdraw", args=[services.withdraw_token(signature)])
        rows.append({"signature": signature, "withdraw_url": withdraw_url})
    response = TemplateResponse(request, "campaigns/my_data.html", {"rows": rows, "email": email_normalized})
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- proposals ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def propose(request):
    thread = _proposal_thread(request)
    initial = {"thread": thread.pk, "title": thread.title} if thread else {}
    form = ProposalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        page = services.propose_campaign(
            proposer=request.user, title=data["title"], demands=data["demands"], addressee=data["addressee"],
            why=data["why"], goal=data["goal"], thread=thread,
        )
        return TemplateResponse(request, "campaigns/propose_done.html", {"campaign": page})
    return TemplateResponse(
        request, "campaigns/propose.html", {"form": form, "thread": thread}, status=400 if form.errors else 200
    )


def _proposal_thread(request):
    """The forum thread named by ``?thread=<id>`` (or the form's hidden field), if the member may read it.

    An id that is malformed, unknown or names a thread the member may not read
    (members-only area, not yet released) gets the same 404: the answer does
    not tell which threads exist, let alone their titles.
    """
    from community.models import Thread
    from community.permissions import can_view_thread

    thread_id = request.POST.get("thread") if request.method == "POST" else request.GET.get("thread")
    if thread_id in (None, ""):
        return None
    thread_id = str(thread_id).strip()
    thread = None
    if thread_id.isascii() and thread_id.isdigit() and int(thread_id) < 2**63:
        thread = Thread.objects.select_related("category").filter(pk=int(thread_id)).first()
    if thread is None or not can_view_thread(request.user, thread):
        raise Http404(_("Dieses Forumsthema gibt es nicht oder Sie können es nicht sehen."))
    return thread


# --- organiser dashboard --------------------------------------------------------------------


def _managed_campaign(request, slug: str) -> CampaignPage:
    """The campaign ``request.user`` may manage; 403 for everybody else (callers send anonymous to login)."""
    page = get_object_or_404(CampaignPage, slug=slug)
    if not permissions.can_manage(request.user, page):
        raise PermissionDenied
    return page


@require_http_methods(["GET", "HEAD", "POST"])
def dashboard(request, slug: str):
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    page = _managed_campaign(request, slug)
    update_form = UpdateForm(prefix="update")
    response_form = ResponseForm(prefix="response", initial={"response": ""})
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "update":
            update_form = UpdateForm(request.POST, prefix="update")
            if update_form.is_valid():
                services.post_update(campaign=page, author=request.user, **update_form.cleaned_data)
                return redirect(request.path + "?done=update")
        elif action == "close":
            services.close_campaign(campaign=page, actor=request.user)
            return redirect(request.path + "?done=close")
        elif action == "hand_over":
            services.mark_handed_over(campaign=page, actor=request.user)
            return redirect(request.path + "?done=hand_over")
        elif action == "response":
            response_form = ResponseForm(request.POST, prefix="response")
            if response_form.is_valid():
                services.publish_response(campaign=page, actor=request.user, response=response_form.cleaned_data["response"])
                return redirect(request.path + "?done=response")
        status = 400
    context = {
        "campaign": page,
        "stats": selectors.dashboard(page),
        "update_form": update_form,
        "response_form": response_form,
        "done": request.GET.get("done"),
        "can_moderate": permissions.can_moderate_signatures(request.user),
    }
    return TemplateResponse(request, "campaigns/dashboard.html", context, status=status)


@require_GET
def export(request, slug: str, fmt: str):
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    page = _managed_campaign(request, slug)
    rows = list(selectors.export_rows(page))
    services.record_export(campaign=page, actor=request.user, kind=fmt, row_count=len(rows))
    filename = f"unterschriften-{page.slug}-{timezone.localdate():%Y-%m-%d}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([_("Name"), _("Postleitzahl"), _("Ort")])
        # names are what signers typed: no cell may start a spreadsheet formula
        writer.writerows(spreadsheet_row(row) for row in rows)
        response = HttpResponse(buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    else:
        from .pdf import handover_pdf

        response = HttpResponse(handover_pdf(page, rows), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def moderation(request, slug: str):
    page = get_object_or_404(CampaignPage, slug=slug)
    if not permissions.can_moderate_signatures(request.user):
        raise PermissionDenied
    form = InvalidateForm(request.POST or None)
    preview = None
    done = None
    if request.method == "POST" and form.is_valid():
        if request.POST.get("apply") == "1":
            done = services.invalidate_signatures(
                campaign=page, actor=request.user, reason=form.cleaned_data.get("reason", ""), **form.filters()
            )
        else:
            preview = selectors.invalidation_preview(page, **form.filters())
    context = {
        "campaign": page,
        "bursts": selectors.bursts(page.pk),
        "form": form,
        "preview": preview,
        "done": done,
    }
    return TemplateResponse(request, "campaigns/moderation.html", context)


# --- JSON API ---------------------------------------------------------------------------------


def _json_cached(request, payload) -> HttpResponse:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=30", "Vary": "Accept-Encoding"}
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    for key, value in headers.items():
        response[key] = value
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def api_list(request):
    campaigns = selectors.api_campaigns()
    counts = selectors.bundesland_counts_bulk([c.pk for c in campaigns])
    items = []
    for page in campaigns:
        item = selectors.api_campaign_dict(page, request)
        item["counts_by_bundesland"] = counts.get(page.pk, {})
        items.append(item)
    return _json_cached(request, {"campaigns": items})


@require_GET
def api_detail(request, slug: str):
    page = selectors.campaigns_with_counts().filter(slug=slug).first()
    if page is None:
        return JsonResponse({"error": "not found"}, status=404)
    return _json_cached(request, selectors.api_campaign_dict(page, request, detail=True))

