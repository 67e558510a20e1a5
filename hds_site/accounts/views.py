import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors, services
from .forms import DeleteAccountForm, ProfileForm


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    profile = services.ensure_profile(user=request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=profile)
        if form.is_valid():
            services.update_profile(user=request.user, **{f: form.cleaned_data[f] for f in form.Meta.fields})
            messages.success(request, _("Ihr Profil wurde gespeichert."))
            return redirect("accounts:profile_edit")
        profile.refresh_from_db()
    else:
        form = ProfileForm(instance=profile)
    return render(request, "accounts/profile_edit.html", {"form": form, "profile": profile})


@require_GET
def member_profile(request, display_name):
    profile = selectors.profile_for_display(display_name=display_name, viewer=request.user)
    if profile is None:
        raise Http404(_("Dieses Profil gibt es nicht oder es ist nicht öffentlich."))
    if profile.display_name != display_name:
        return redirect(profile, permanent=False)
    return render(
        request,
        "accounts/member_profile.html",
        {"profile": profile, "profile_user": profile.user, "is_own": request.user.pk == profile.user_id},
    )


@never_cache
@login_required
@require_GET
def my_data(request):
    return render(request, "accounts/my_data.html", {"profile": services.ensure_profile(user=request.user)})


@never_cache
@login_required
@require_GET
def data_export(request):
    """The signed-in member's own data; there is deliberately no way to ask for anyone else's."""
    data = services.export_user_data(user=request.user)
    filename = f"hds-meine-daten-{timezone.localdate().isoformat()}.json"
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    if request.user.is_superuser:
        messages.error(
            request, _("Administrator-Konten können nicht selbst gelöscht werden. Bitte wenden Sie sich an das Team.")
        )
        return redirect("accounts:my_data")
    form = DeleteAccountForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        user = request.user
        services.delete_account(user=user)
        logout(request)
        return redirect("accounts:account_deleted")
    return render(request, "accounts/account_delete.html", {"form": form})


@require_GET
def account_deleted(request):
    return render(request, "accounts/account_deleted.html")
