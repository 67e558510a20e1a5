"""Forum data: structure (categories, interest groups), threads and posts,
reactions, watching, notifications and moderation.

Invariants live in the database (see each Meta). Every write goes through
community/services.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from hds_site.audit import AppendOnlyModel, AppendOnlyQuerySet

USER = settings.AUTH_USER_MODEL


class InterestGroup(models.Model):
    class JoinPolicy(models.TextChoices):
        OPEN = "open", _("offen – alle können beitreten")
        REQUEST = "request", _("auf Anfrage – Gruppen-Admins entscheiden")

    name = models.CharField(_("Name"), max_length=120, unique=True)
    slug = models.SlugField(_("Kurzname (URL)"), max_length=120, unique=True, allow_unicode=False)
    description = models.TextField(_("Beschreibung"), blank=True)
    join_policy = models.CharField(
        _("Beitritt"), max_length=10, choices=JoinPolicy.choices, default=JoinPolicy.OPEN
    )
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)

    class Meta:
        verbose_name = _("Interessengemeinschaft")
        verbose_name_plural = _("Interessengemeinschaften")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("community:group_detail", kwargs={"slug": self.slug})


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("Mitglied")
        ADMIN = "admin", _("Gruppen-Admin")

    class Status(models.TextChoices):
        ACTIVE = "active", _("aktiv")
        PENDING = "pending", _("angefragt")

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="forum_memberships")
    group = models.ForeignKey(InterestGroup, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Mitgliedschaft")
        verbose_name_plural = _("Mitgliedschaften")
        constraints = [
            models.UniqueConstraint(fields=["user", "group"], name="community_membership_user_group_unique"),
        ]
        indexes = [models.Index(fields=["group", "status"], name="community_membership_grp_st")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id} ({self.role}, {self.status})"


class Category(models.Model):
    name = models.CharField(_("Name"), max_length=120)
    slug = models.SlugField(_("Kurzname (URL)"), max_length=120, unique=True)
    description = models.TextField(_("Beschreibung"), blank=True)
    order = models.PositiveIntegerField(_("Reihenfolge"), default=0, db_index=True)
    topic = models.ForeignKey(
        "content.TopicPage",
        verbose_name=_("Themenseite"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="forum_categories",
        help_text=_("Die Themenseite zeigt die neuesten Diskussionen dieser Kategorie."),
    )
    group = models.ForeignKey(
        InterestGroup,
        verbose_name=_("Interessengemeinschaft"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="categories",
    )
    members_only = models.BooleanField(
        _("nur für Mitglieder der Gruppe"),
        default=False,
        help_text=_("Nur Mitglieder der Interessengemeinschaft (und die Moderation) können lesen und schreiben."),
    )

    sort_order_field = "order"

    class Meta:
        verbose_name = _("Forum-Kategorie")
        verbose_name_plural = _("Forum-Kategorien")
        ordering = ["order", "name"]
        constraints = [
            # a members-only category must belong to a group, or nobody could read it
            models.CheckConstraint(
                condition=models.Q(members_only=False) | models.Q(group__isnull=False),
                name="community_category_members_only_needs_group",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("community:category_detail", kwargs={"slug": self.slug})


class Thread(models.Model):
    class Kind(models.TextChoices):
        DISCUSSION = "discussion", _("Diskussion")
        QUESTION = "question", _("Frage")

    # indexed by community_thread_cat_list (category first), no separate FK index
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="threads", db_index=False)
    title = models.CharField(_("Titel"), max_length=200)
    slug = models.SlugField(max_length=80, blank=True)
    author = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="forum_threads")
    kind = models.CharField(_("Art"), max_length=12, choices=Kind.choices, default=Kind.DISCUSSION)
    is_pinned = models.BooleanField(_("angeheftet"), default=False)
    is_locked = models.BooleanField(_("geschlossen"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    reply_count = models.PositiveIntegerField(default=0)
    # highest post number handed out (also to pending posts): numbers are never reused
    last_number = models.PositiveIntegerField(default=0)
    last_post = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # one accepted answer per thread: a single column can hold only one
    accepted_post = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("Thema")
        verbose_name_plural = _("Themen")
        ordering = ["-is_pinned", "-last_activity_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(accepted_post__isnull=True) | models.Q(kind="question"),
                name="community_thread_accepted_only_for_questions",
            ),
        ]
        indexes = [
            models.Index(fields=["category", "-is_pinned", "-last_activity_at"], name="community_thread_cat_list"),
            models.Index(fields=["-last_activity_at"], name="community_thread_activity"),
            models.Index(fields=["author", "-created_at"], name="community_thread_author"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.title)[:80] or "thema"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("community:thread_detail", kwargs={"pk": self.pk, "slug": self.slug or "thema"})


class Post(models.Model):
    class Status(models.TextChoices):
        APPROVED = "approved", _("freigegeben")
        PENDING = "pending", _("wartet auf Freigabe")

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="forum_posts")
    body = models.TextField(_("Beitrag"))
    body_html = models.TextField(blank=True)
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies")
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    is_deleted = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPROVED)
    number = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("Beitrag")
        verbose_name_plural = _("Beiträge")
        ordering = ["thread", "number"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "number"], name="community_post_thread_number_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="community_post_number_positive"),
        ]
        indexes = [
            models.Index(fields=["author", "-created_at"], name="community_post_author"),
            models.Index(fields=["status", "created_at"], name="community_post_status"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} in {self.thread_id}"

    def get_absolute_url(self) -> str:
        return reverse("community:post_permalink", kwargs={"pk": self.pk})

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.APPROVED and not self.is_hidden and not self.is_deleted


class PostRevision(models.Model):
    """The text of a post before an edit."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    editor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Beitragsversion")
        verbose_name_plural = _("Beitragsversionen")
        ordering = ["post", "-created_at"]


class Reaction(models.Model):
    class Kind(models.TextChoices):
        THUMBS_UP = "thumbsup", _("Zustimmung")
        HEART = "heart", _("Danke")
        IDEA = "idea", _("Hilfreich")
        PRAY = "pray", _("Solidarisch")

    EMOJI = {"thumbsup": "👍", "heart": "❤️", "idea": "💡", "pray": "🙏"}

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="forum_reactions")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Reaktion")
        verbose_name_plural = _("Reaktionen")
        constraints = [
            models.UniqueConstraint(fields=["post", "user", "kind"], name="community_reaction_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["thumbsup", "heart", "idea", "pray"]),
                name="community_reaction_kind_valid",
            ),
        ]


class Subscription(models.Model):
    class Level(models.TextChoices):
        WATCHING = "watching", _("beobachten")
        MUTED = "muted", _("stummgeschaltet")

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="forum_subscriptions")
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.WATCHING)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Beobachtung")
        verbose_name_plural = _("Beobachtungen")
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="community_subscription_unique"),
        ]


class Notification(models.Model):
    class Kind(models.TextChoices):
        MENTION = "mention", _("Erwähnung")
        REPLY = "reply", _("Antwort")
        MODERATION = "moderation", _("Moderation")

    recipient = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="forum_notifications")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    message = models.CharField(max_length=300, blank=True)  # moderation decisions
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Benachrichtigung")
        verbose_name_plural = _("Benachrichtigungen")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="community_notif_unread"),
            models.Index(fields=["recipient", "-created_at"], name="community_notif_list"),
        ]


class ForumPreference(models.Model):
    """How a member wants forum email: a daily digest unless they choose otherwise."""

    class EmailMode(models.TextChoices):
        IMMEDIATE = "immediate", _("sofort per E-Mail")
        DIGEST = "digest", _("einmal täglich als Zusammenfassung")
        NONE = "none", _("keine E-Mails")

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="forum_preference")
    email_mode = models.CharField(
        _("E-Mail-Benachrichtigungen"), max_length=10, choices=EmailMode.choices, default=EmailMode.DIGEST
    )
    last_digest_at = models.DateTimeField(null=True, blank=True)


class Report(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam oder Werbung")
        ABUSE = "abuse", _("Beleidigung oder Belästigung")
        ILLEGAL = "illegal", _("rechtswidriger Inhalt")
        PRIVACY = "privacy", _("persönliche Daten anderer")
        OTHER = "other", _("anderer Grund")

    class Status(models.TextChoices):
        OPEN = "open", _("offen")
        RESOLVED = "resolved", _("erledigt")
        DISMISSED = "dismissed", _("abgewiesen")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("Grund"), max_length=10, choices=Reason.choices)
    text = models.TextField(_("Erläuterung"), blank=True, max_length=1000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("Meldung")
        verbose_name_plural = _("Meldungen")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "reporter"],
                condition=models.Q(status="open"),
                name="community_report_one_open_per_reporter",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="community_report_status")]


class ModerationLog(AppendOnlyModel, models.Model):
    """What moderators did; append-only (hds_site.audit): written by the forum's services, never changed."""

    class Action(models.TextChoices):
        HIDE = "hide", _("Beitrag ausgeblendet")
        UNHIDE = "unhide", _("Beitrag wieder eingeblendet")
        APPROVE = "approve", _("Beitrag freigegeben")
        REJECT = "reject", _("Beitrag abgelehnt")
        LOCK = "lock", _("Thema geschlossen")
        UNLOCK = "unlock", _("Thema geöffnet")
        PIN = "pin", _("Thema angeheftet")
        UNPIN = "unpin", _("Thema gelöst")
        MOVE = "move", _("Thema verschoben")
        SUSPEND = "suspend", _("Mitglied gesperrt")
        UNSUSPEND = "unsuspend", _("Sperre aufgehoben")
        DISMISS_REPORT = "dismiss", _("Meldung abgewiesen")
        ACCEPT = "accept", _("Antwort als Lösung markiert")

    moderator = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=12, choices=Action.choices)
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    target_user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(_("Begründung"), blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("Moderationsprotokoll")
        verbose_name_plural = _("Moderationsprotokoll")
        ordering = ["-created_at", "-id"]
        permissions = [("moderate", _("Kann das Forum moderieren"))]


class Suspension(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="forum_suspensions")
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(_("gesperrt bis"))
    reason = models.TextField(_("Begründung"))
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Sperre")
        verbose_name_plural = _("Sperren")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="community_suspension_period"),
        ]
        indexes = [models.Index(fields=["user", "ends_at"], name="community_suspension_user")]


class ReadState(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="forum_read_states")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_states")
    last_read_number = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="community_readstate_unique"),
        ]
