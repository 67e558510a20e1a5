"""Forum pages. Thin: read through selectors, write through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from hds_site import realtime
from hds_site.errors import post_only

from . import events, selectors, services, tasks
from . import permissions as perms
from .forms import (
    EditForm,
    EmailModeForm,
    MoveForm,
    ReasonForm,
    ReplyForm,
    ReportForm,
    SuspendForm,
    ThreadForm,
    add_service_errors,
)
from .models import Category, InterestGroup, Membership, Notification, Post, Report, Subscription, Suspension, Thread

User = get_user_model()


# --- helpers ------------------------------------------------------------------------


def _get_thread(request, pk: int) -> Thread:
    thread = get_object_or_404(Thread.objects.select_related("category__group", "author__profile"), pk=pk)
    _check_thread_access(request.user, thread)
    return thread


def _check_thread_access(user, thread: Thread) -> None:
    if perms.can_view_thread(user, thread):
        return
    if thread.category.members_only and user.is_authenticated and perms.can_view_category(user, thread.category) is False:
        raise PermissionDenied(_("Dieser Bereich ist nur für Mitglieder der Interessengemeinschaft."))
    raise Http404


def _get_post(request, pk: int) -> Post:
    post = get_object_or_404(Post.objects.select_related("thread__category__group", "author__profile"), pk=pk)
    _check_thread_access(request.user, post.thread)
    if not post.is_public and not perms.is_moderator(request.user) and post.author_id != request.user.pk:
        if post.status != Post.Status.APPROVED or post.is_hidden:
            raise Http404
    return post


def _get_category(request, slug: str) -> Category:
    category = get_object_or_404(Category.objects.select_related("group", "topic"), slug=slug)
    if not perms.can_view_category(request.user, category):
        if request.user.is_authenticated:
            raise PermissionDenied(_("Dieser Bereich ist nur für Mitglieder der Interessengemeinschaft."))
        raise Http404
    return category


def _post_url(post: Post) -> str:
    thread = post.thread
    return f"{thread.get_absolute_url()}?page={selectors.page_of(post.number)}#post-{post.number}"


def _safe_int(value, default: int = 1) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return default


def _paginate(request, qs, per_page: int):
    paginator = Paginator(qs, per_page)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except (EmptyPage, PageNotAnInteger):
        return paginator.page(1)


# --- structure ------------------------------------------------------------------------


def index(request):
    categories = selectors.visible_categories(request.user)
    counts = selectors.category_stats(categories, request.user)
    for c in categories:
        c.thread_count = counts.get(c.pk, 0)
    latest = selectors.mark_unread(selectors.thread_list(request.user, Thread.objects.all())[:15])
    return render(request, "community/index.html", {
        "categories": categories,
        "threads": latest,
        "groups": selectors.groups_with_counts()[:12],
    })


def category_detail(request, slug: str):
    category = _get_category(request, slug)
    live_seq = realtime.last_seq(events.category_group(category.pk))
    page = _paginate(request, selectors.thread_list(request.user, category.threads.all()), selectors.THREADS_PER_PAGE)
    page.object_list = selectors.mark_unread(page.object_list)
    return render(request, "community/category_detail.html", {
        "category": category,
        "page_obj": page,
        "threads": page.object_list,
        "live_seq": live_seq,
        "can_start": perms.can_start_thread(request.user, category),
    })


def group_list(request):
    groups = list(selectors.groups_with_counts())
    mine = perms.active_group_ids(request.user)
    for g in groups:
        g.is_mine = g.pk in mine
    return render(request, "community/group_list.html", {"groups": groups})


def group_detail(request, slug: str):
    group = get_object_or_404(InterestGroup, slug=slug)
    categories = [c for c in group.categories.order_by("order", "name") if perms.can_view_category(request.user, c)]
    membership = selectors.membership_of(request.user, group)
    is_admin = perms.is_group_admin(request.user, group)
    live_category = categories[0] if categories else None  # the group's main area drives "N neue Beiträge"
    return render(request, "community/group_detail.html", {
        "group": group,
        "categories": categories,
        "member_count": selectors.group_member_count(group),
        "threads": selectors.recent_threads_of_group(request.user, group),
        "membership": membership,
        "is_admin": is_admin,
        "pending": list(selectors.pending_memberships(group)) if is_admin else [],
        "live_category": live_category,
        "live_seq": realtime.last_seq(events.category_group(live_category.pk)) if live_category else 0,
    })


@login_required
@post_only(redirect_to=lambda request, slug: reverse("community:group_detail", args=[slug]))
def group_join(request, slug: str):
    group = get_object_or_404(InterestGroup, slug=slug)
    membership = services.join_group(group=group, user=request.user)
    if membership.status == Membership.Status.ACTIVE:
        messages.success(request, _("Sie sind jetzt Mitglied von „%(g)s“.") % {"g": group.name})
    else:
        messages.success(request, _("Ihre Anfrage wurde gesendet. Die Gruppen-Admins entscheiden darüber."))
    return redirect(group.get_absolute_url())


@login_required
@post_only(redirect_to=lambda request, slug: reverse("community:group_detail", args=[slug]))
def group_leave(request, slug: str):
    group = get_object_or_404(InterestGroup, slug=slug)
    services.leave_group(group=group, user=request.user)
    messages.success(request, _("Sie haben „%(g)s“ verlassen.") % {"g": group.name})
    return redirect(group.get_absolute_url())


@login_required
@post_only(redirect_to=lambda request, slug, membership_id: reverse("community:group_detail", args=[slug]))
def group_decide(request, slug: str, membership_id: int):
    group = get_object_or_404(InterestGroup, slug=slug)
    membership = get_object_or_404(Membership.objects.select_related("user", "group"), pk=membership_id, group=group)
    approve = request.POST.get("decision") == "approve"
    services.decide_membership(membership=membership, admin=request.user, approve=approve)
    messages.success(request, _("Anfrage angenommen.") if approve else _("Anfrage abgelehnt."))
    return redirect(group.get_absolute_url())


# --- threads and posts ---------------------------------------------------------------------


@login_required
def thread_create(request, slug: str):
    category = _get_category(request, slug)
    if not perms.can_start_thread(request.user, category):
        raise PermissionDenied(_("Sie können in dieser Kategorie kein Thema beginnen."))
    form = ThreadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            thread = services.create_thread(category=category, author=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if thread.first_post.status == Post.Status.PENDING:
                messages.info(request, _("Danke! Ihr Beitrag wird von der Moderation geprüft und dann veröffentlicht."))
            return redirect(thread.get_absolute_url())
    return render(request, "community/thread_form.html", {"category": category, "form": form})


def thread_redirect(request, pk: int):
    thread = _get_thread(request, pk)
    return redirect(thread.get_absolute_url(), permanent=False)


def _thread_context(request, thread: Thread, page: int, reply_form=None) -> dict:
    user = request.user
    live_seq = realtime.last_seq(events.thread_group(thread.pk))  # before reading posts: nothing missed
    num_pages = selectors.page_count(thread)
    page = min(page, num_pages)
    posts = selectors.thread_posts(thread, user, page)
    can_post = perms.can_post(user, thread)
    is_mod = perms.is_moderator(user)
    first_unread = None
    if user.is_authenticated:
        last_read = selectors.last_read_number(user, thread)
        if last_read is not None and last_read < thread.last_number:
            first_unread = last_read + 1
        if posts:
            services.mark_thread_read(user=user, thread=thread, number=posts[-1].number)
    if reply_form is None and can_post:
        reply_form = ReplyForm()
    return {
        "thread": thread,
        "category": thread.category,
        "posts": posts,
        "page": page,
        "num_pages": num_pages,
        "page_range": range(1, num_pages + 1),
        "is_last_page": page == num_pages,
        "live_seq": live_seq,
        "can_post": can_post,
        "viewer": user if user.is_authenticated else None,
        "viewer_is_mod": is_mod,
        "can_accept": perms.can_accept_answer(user, thread),
        "is_suspended": perms.is_suspended(user),
        "subscription": selectors.subscription_level(user, thread),
        "first_unread": first_unread,
        "reply_form": reply_form,
        "move_form": MoveForm(initial={"category": thread.category_id}) if is_mod else None,
    }


def thread_detail(request, pk: int, slug: str):
    thread = _get_thread(request, pk)
    if slug != thread.slug:
        return redirect(thread.get_absolute_url())
    context = _thread_context(request, thread, _safe_int(request.GET.get("page")))
    return render(request, "community/thread_detail.html", context)


def thread_unread(request, pk: int):
    """Jump to the first post the member has not read yet."""
    thread = _get_thread(request, pk)
    if not request.user.is_authenticated:
        return redirect(thread.get_absolute_url())
    number = selectors.first_unread_number(request.user, thread)
    return HttpResponseRedirect(
        f"{thread.get_absolute_url()}?page={selectors.page_of(number)}#post-{number}"
    )


@login_required
def thread_reply(request, pk: int):
    thread = _get_thread(request, pk)
    reply_to = None
    reply_to_id = request.POST.get("reply_to") or request.GET.get("reply_to") or request.GET.get("quote")
    if reply_to_id:
        reply_to = Post.objects.filter(thread=thread, pk=_safe_int(reply_to_id, 0)).select_related("author__profile").first()
        if reply_to is not None and not reply_to.is_public:
            reply_to = None  # a hidden, deleted or unreleased post: not named, not quoted
    if request.method == "POST":
        form = ReplyForm(request.POST)
        if form.is_valid():
            try:
                post = services.post_reply(
                    thread=thread, author=request.user, body=form.cleaned_data["body"],
                    reply_to=reply_to if reply_to and reply_to.is_public else None,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if post.status == Post.Status.PENDING:
                    messages.info(request, _("Danke! Ihre Antwort wird von der Moderation geprüft und dann veröffentlicht."))
                return redirect(_post_url(post))
    else:
        initial = {}
        if reply_to is not None and reply_to.is_public:
            initial["reply_to"] = reply_to.pk
            if request.GET.get("quote"):
                quoted = "\n".join("> " + line for line in reply_to.body.splitlines())
                initial["body"] = f"@{perms_name(reply_to)} schrieb:\n{quoted}\n\n" if reply_to.author_id else quoted + "\n\n"
        form = ReplyForm(initial=initial)
    if not perms.can_post(request.user, thread):
        if perms.is_suspended(request.user):
            raise PermissionDenied(_("Ihr Konto ist im Forum vorübergehend gesperrt."))
        messages.error(request, _("In diesem Thema kann nicht geantwortet werden."))
        return redirect(thread.get_absolute_url())
    return render(request, "community/reply_form.html", {"thread": thread, "form": form, "reply_to": reply_to})


def perms_name(post: Post) -> str:
    from hds_site.accounts.selectors import display_name_of

    return display_name_of(post.author)


def post_permalink(request, pk: int):
    post = _get_post(request, pk)
    return HttpResponseRedirect(_post_url(post))


@login_required
def post_edit(request, pk: int):
    post = _get_post(request, pk)
    if not perms.can_edit_post(request.user, post):
        raise PermissionDenied(_("Sie können diesen Beitrag nicht bearbeiten."))
    form = EditForm(request.POST or None, initial={"body": post.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_post(post=post, editor=request.user, body=form.cleaned_data["body"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Ihr Beitrag wurde geändert."))
            return redirect(_post_url(post))
    return render(request, "community/post_edit.html", {"post": post, "thread": post.thread, "form": form})


def post_history(request, pk: int):
    post = _get_post(request, pk)
    if post.is_hidden and not perms.is_moderator(request.user):
        raise Http404
    revisions = post.revisions.select_related("editor__profile").order_by("-created_at")
    return render(request, "community/post_history.html", {"post": post, "thread": post.thread, "revisions": revisions})


@login_required
def post_delete(request, pk: int):
    post = _get_post(request, pk)
    if not perms.can_delete_post(request.user, post):
        raise PermissionDenied(_("Sie können diesen Beitrag nicht löschen."))
    if request.method == "POST":
        services.delete_post(post=post, actor=request.user)
        messages.success(request, _("Ihr Beitrag wurde gelöscht."))
        return redirect(_post_url(post))
    return render(request, "community/post_delete.html", {"post": post, "thread": post.thread})


def post_react(request, pk: int):
    post = _get_post(request, pk)
    if request.method != "POST" or not request.user.is_authenticated:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={_post_url(post)}")
        return redirect(_post_url(post))
    try:
        services.toggle_reaction(post=post, user=request.user, kind=request.POST.get("kind", ""))
    except ValidationError:
        messages.error(request, _("Unbekannte Reaktion."))
    return redirect(_post_url(post))


@login_required
@post_only(redirect_to=lambda request, pk: reverse("community:post_permalink", args=[pk]))
def post_accept(request, pk: int):
    post = _get_post(request, pk)
    try:
        if request.POST.get("clear"):
            services.clear_accepted_answer(thread=post.thread, actor=request.user)
            messages.success(request, _("Die Markierung als Lösung wurde entfernt."))
        else:
            services.accept_answer(post=post, actor=request.user)
            messages.success(request, _("Die Antwort ist als Lösung markiert."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_post_url(post))


@login_required
def post_report(request, pk: int):
    post = _get_post(request, pk)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_post(post=post, reporter=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Danke für Ihre Meldung. Die Moderation sieht sie sich an."))
            return redirect(_post_url(post))
    return render(request, "community/post_report.html", {"post": post, "thread": post.thread, "form": form})


@login_required
@post_only(redirect_to=lambda request, pk: reverse("community:thread_redirect", args=[pk]))
def thread_subscription(request, pk: int):
    thread = _get_thread(request, pk)
    level = request.POST.get("level") or None
    if level not in (None, Subscription.Level.WATCHING, Subscription.Level.MUTED):
        level = None
    services.set_subscription(thread=thread, user=request.user, level=level)
    labels = {
        Subscription.Level.WATCHING: _("Sie beobachten dieses Thema."),
        Subscription.Level.MUTED: _("Dieses Thema ist stummgeschaltet."),
        None: _("Sie erhalten keine Benachrichtigungen mehr zu diesem Thema, außer bei Erwähnungen."),
    }
    messages.success(request, labels[level])
    return redirect(thread.get_absolute_url())


# --- moderation --------------------------------------------------------------------------


def _require_mod(request) -> None:
    if not request.user.is_authenticated:
        raise Http404
    if not perms.is_moderator(request.user):
        raise PermissionDenied


@login_required
def moderation_queue(request):
    _require_mod(request)
    return render(request, "community/moderation.html", {**selectors.moderation_queue(), "viewer_is_mod": True,
                                                           "reason_form": ReasonForm()})


@login_required
def post_moderate(request, pk: int):
    _require_mod(request)
    post = get_object_or_404(Post.objects.select_related("thread__category", "author__profile"), pk=pk)
    op = request.POST.get("op") or request.GET.get("op") or "hide"
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if op == "hide":
                services.hide_post(post=post, moderator=request.user, reason=reason)
            elif op == "unhide":
                services.unhide_post(post=post, moderator=request.user, reason=reason)
            elif op == "approve":
                services.approve_post(post=post, moderator=request.user)
            elif op == "reject":
                services.reject_post(post=post, moderator=request.user, reason=reason)
            else:
                raise Http404
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Erledigt."))
            return redirect(request.POST.get("next") or _post_url(post))
    return render(request, "community/post_moderate.html", {"post": post, "thread": post.thread, "form": form, "op": op})


@login_required
@post_only(redirect_to="community:moderation")
def report_dismiss(request, pk: int):
    _require_mod(request)
    report = get_object_or_404(Report.objects.select_related("post__thread"), pk=pk)
    services.dismiss_report(report=report, moderator=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, _("Meldung abgewiesen."))
    return redirect("community:moderation")


@login_required
@post_only(redirect_to=lambda request, pk: reverse("community:thread_redirect", args=[pk]))
def thread_moderate(request, pk: int):
    _require_mod(request)
    thread = get_object_or_404(Thread.objects.select_related("category"), pk=pk)
    op = request.POST.get("op")
    reason = request.POST.get("reason", "")[:1000]
    actions = {
        "lock": services.lock_thread, "unlock": services.unlock_thread,
        "pin": services.pin_thread, "unpin": services.unpin_thread,
    }
    if op == "move":
        form = MoveForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Bitte wählen Sie eine Kategorie."))
            return redirect(thread.get_absolute_url())
        services.move_thread(thread=thread, category=form.cleaned_data["category"], moderator=request.user,
                             reason=form.cleaned_data["reason"])
    elif op in actions:
        actions[op](thread=thread, moderator=request.user, reason=reason)
    else:
        raise Http404
    messages.success(request, _("Erledigt."))
    return redirect(thread.get_absolute_url())


@login_required
def member_suspend(request, user_id: int):
    _require_mod(request)
    member = get_object_or_404(User.objects.select_related("profile"), pk=user_id)
    form = SuspendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.suspend_member(user=member, moderator=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Das Mitglied ist gesperrt."))
            return redirect("community:moderation")
    suspensions = Suspension.objects.filter(user=member).select_related("created_by__profile")[:20]
    return render(request, "community/member_suspend.html", {"member": member, "form": form, "suspensions": suspensions})


@login_required
@post_only(redirect_to="community:moderation")
def suspension_lift(request, pk: int):
    _require_mod(request)
    suspension = get_object_or_404(Suspension.objects.select_related("user"), pk=pk)
    services.lift_suspension(suspension=suspension, moderator=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, _("Die Sperre ist aufgehoben."))
    return redirect("community:moderation")


# --- notifications and email ------------------------------------------------------------------


@login_required
def notifications(request):
    if request.method == "POST":
        services.mark_notifications_read(user=request.user)
        messages.success(request, _("Alle Benachrichtigungen sind als gelesen markiert."))
        return redirect("community:notifications")
    page = _paginate(request, selectors.notifications_for(request.user), 30)
    items = list(page.object_list)
    for n in items:
        n.text = services.notification_text(n)
    return render(request, "community/notifications.html", {
        "page_obj": page,
        "notifications": items,
        "unread_count": selectors.unread_notification_count(request.user),
        "email_form": EmailModeForm(initial={"email_mode": services.email_mode(request.user)}),
    })


@login_required
def notification_open(request, pk: int):
    notification = get_object_or_404(Notification.objects.select_related("post", "thread"), pk=pk, recipient=request.user)
    if notification.read_at is None:
        services.mark_notifications_read(user=request.user, notification_ids=[notification.pk])
    if notification.post_id:
        return redirect("community:post_permalink", pk=notification.post_id)
    if notification.thread_id:
        return redirect(notification.thread.get_absolute_url())
    return redirect("community:notifications")


@login_required
@post_only(redirect_to="community:notifications")
def email_settings(request):
    form = EmailModeForm(request.POST)
    if form.is_valid():
        services.set_email_mode(user=request.user, mode=form.cleaned_data["email_mode"])
        messages.success(request, _("Ihre E-Mail-Einstellung ist gespeichert."))
    return redirect("community:notifications")


@csrf_exempt  # the signed token authenticates; RFC 8058 one-click POSTs come without a session
def unsubscribe(request, token: str):
    try:
        payload = tasks.read_unsubscribe_token(token)
    except signing.BadSignature:
        return render(request, "community/unsubscribe.html", {"invalid": True}, status=400)
    user = get_object_or_404(User, pk=payload.get("u"), is_active=True)
    thread = Thread.objects.filter(pk=payload.get("t")).first() if payload.get("t") else None
    if request.method == "POST":
        if thread is not None:
            services.unsubscribe_thread(user=user, thread=thread)
        else:
            services.set_email_mode(user=user, mode="none")
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse(status=200)
        return render(request, "community/unsubscribe.html", {"done": True, "thread": thread})
    return render(request, "community/unsubscribe.html", {"thread": thread, "token": token})

