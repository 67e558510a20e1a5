"""Editorial page types and the advice-centre snippet.

Page tree (page-type rules below)::

    Root
    └── HomePage (one per language)
        ├── TopicPage …            topic hubs
        ├── ArticleIndexPage       "Ratgeber"
        │   └── ArticlePage …      advice and news
        ├── StandardPage …         legal pages (may nest)
        └── (other apps add their index pages here, e.g. campaigns)
"""

from __future__ import annotations

from django import forms
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from hds_site.i18n import UILanguageURLMixin

from .blocks import BodyStreamBlock

INTRO_FEATURES = ["bold", "italic", "link"]


class HomePage(UILanguageURLMixin, Page):
    """The start page of a site (one per language)."""

    intro = RichTextField(_("Einleitung"), features=INTRO_FEATURES, blank=True)
    finder_teaser = models.CharField(
        _("Text zum Beratungsfinder"), max_length=255, blank=True,
        default="Finden Sie eine Beratungsstelle in Ihrer Nähe – nach Bundesland oder Postleitzahl.",
    )
    forum_teaser = models.CharField(
        _("Text zum Forum"), max_length=255, blank=True,
        default="Tauschen Sie sich mit anderen Selbstständigen aus.",
    )
    campaigns_teaser = models.CharField(
        _("Text zu den Kampagnen"), max_length=255, blank=True,
        default="Gemeinsam für bessere Bedingungen: unterstützen Sie Petitionen und Kampagnen.",
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        InlinePanel("featured_articles", label=_("Hervorgehobene Artikel"), max_num=6),
        MultiFieldPanel(
            [FieldPanel("finder_teaser"), FieldPanel("forum_teaser"), FieldPanel("campaigns_teaser")],
            heading=_("Wegweiser"),
        ),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro")]

    parent_page_types = ["wagtailcore.Page"]
    # subpage_types deliberately unset: other apps (campaigns) put their index
    # pages under home through their own parent_page_types.
    max_count = 1  # translations are copies made by simple_translation, not new pages

    template = "content/home_page.html"

    class Meta:
        verbose_name = _("Startseite")
        verbose_name_plural = _("Startseiten")

    def get_context(self, request, *args, **kwargs):
        from . import selectors

        context = super().get_context(request, *args, **kwargs)
        context["topics"] = selectors.topics_for_home(self)
        context["featured_articles"] = selectors.featured_articles(self)
        context["latest_news"] = selectors.latest_articles(self, kind=ArticlePage.KIND_NEWS, limit=3)
        return context


class HomePageFeaturedArticle(Orderable):
    home = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_articles")
    article = models.ForeignKey(
        "content.ArticlePage", on_delete=models.CASCADE, related_name="+", verbose_name=_("Artikel")
    )

    panels = [PageChooserPanel("article", "content.ArticlePage")]

    class Meta(Orderable.Meta):
        verbose_name = _("Hervorgehobener Artikel")
        constraints = [
            models.UniqueConstraint(fields=["home", "article"], name="content_featured_article_unique"),
        ]


class TopicPage(UILanguageURLMixin, Page):
    """A topic hub: gathers the articles of its topic; other apps add sections via a hook."""

    ICON_CHOICES = [
        ("shield", _("Schutzschild (Absicherung)")),
        ("euro", _("Euro (Geld)")),
        ("chip", _("Chip (Digitales)")),
        ("book", _("Buch (Lernen)")),
        ("paragraph", _("Paragraf (Recht)")),
        ("people", _("Menschen (Gemeinschaft)")),
    ]
    COLOUR_CHOICES = [
        ("blue", _("Blau")),
        ("green", _("Grün")),
        ("orange", _("Orange")),
        ("purple", _("Violett")),
        ("red", _("Rot")),
    ]

    intro = RichTextField(_("Einleitung"), features=INTRO_FEATURES, blank=True)
    icon = models.CharField(_("Symbol"), max_length=20, choices=ICON_CHOICES, blank=True)
    colour = models.CharField(_("Farbe"), max_length=20, choices=COLOUR_CHOICES, default="blue")

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        MultiFieldPanel([FieldPanel("icon"), FieldPanel("colour")], heading=_("Darstellung")),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro")]

    parent_page_types = ["content.HomePage"]
    subpage_types: list[str] = []

    template = "content/topic_page.html"

    class Meta:
        verbose_name = _("Themenseite")
        verbose_name_plural = _("Themenseiten")

    def get_context(self, request, *args, **kwargs):
        from . import selectors

        context = super().get_context(request, *args, **kwargs)
        context["articles"] = selectors.articles_for_topic(self, limit=12)
        return context


class ArticleIndexPage(UILanguageURLMixin, Page):
    """Lists articles, filterable by topic and kind (GET parameters), paginated."""

    PER_PAGE = 10

    intro = RichTextField(_("Einleitung"), features=INTRO_FEATURES, blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + [index.SearchField("intro")]

    parent_page_types = ["content.HomePage"]
    subpage_types = ["content.ArticlePage"]

    template = "content/article_index_page.html"

    class Meta:
        verbose_name = _("Artikelübersicht")
        verbose_name_plural = _("Artikelübersichten")

    def get_context(self, request, *args, **kwargs):
        from . import selectors
        from .forms import ArticleFilterForm

        context = super().get_context(request, *args, **kwargs)
        topics = selectors.topics_for_filter(self)
        form = ArticleFilterForm(request.GET or None, topics=topics)
        topic = kind = None
        if form.is_valid():
            topic = form.cleaned_data.get("thema")
            kind = form.cleaned_data.get("art") or None
        articles = selectors.articles_in_index(self, topic=topic, kind=kind)
        paginator = Paginator(articles, self.PER_PAGE)
        try:
            page_obj = paginator.page(request.GET.get("seite", 1))
        except PageNotAnInteger:
            page_obj = paginator.page(1)
        except EmptyPage:
            page_obj = paginator.page(paginator.num_pages)
        selectors.attach_topics(page_obj.object_list)
        query = request.GET.copy()
        query.pop("seite", None)
        context.update(
            filter_form=form,
            page_obj=page_obj,
            paginator=paginator,
            articles=page_obj.object_list,
            active_topic=topic,
            active_kind=kind,
            filter_query=query.urlencode(),
        )
        return context


class ArticlePage(UILanguageURLMixin, Page):
    """An advice article (Ratgeber) or a news item."""

    KIND_ADVICE = "ratgeber"
    KIND_NEWS = "news"
    KIND_CHOICES = [(KIND_ADVICE, _("Ratgeber")), (KIND_NEWS, _("News"))]

    kind = models.CharField(_("Art"), max_length=20, choices=KIND_CHOICES, default=KIND_ADVICE, db_index=True)
    teaser = models.TextField(
        _("Kurzfassung"), max_length=400, blank=True,
        help_text=_("Zwei, drei Sätze für Übersichten und Suchergebnisse."),
    )
    body = StreamField(BodyStreamBlock(), verbose_name=_("Inhalt"), blank=True)
    topics = ParentalManyToManyField(
        "content.TopicPage", related_name="articles", blank=True, verbose_name=_("Themen")
    )
    author_name = models.CharField(_("Autor/in"), max_length=120, blank=True)
    publication_date = models.DateField(_("Veröffentlichungsdatum"), default=timezone.localdate, db_index=True)
    last_reviewed = models.DateField(
        _("Zuletzt geprüft"), null=True, blank=True,
        help_text=_("Wann wurde der Inhalt zuletzt fachlich geprüft?"),
    )

    content_panels = Page.content_panels + [
        FieldPanel("kind"),
        FieldPanel("teaser"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("topics", widget=forms.CheckboxSelectMultiple),
                FieldPanel("author_name"),
                FieldPanel("publication_date"),
                FieldPanel("last_reviewed"),
            ],
            heading=_("Einordnung"),
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("teaser"),
        index.SearchField("body"),
        index.AutocompleteField("teaser"),
        index.FilterField("kind"),
        index.FilterField("publication_date"),
        index.RelatedFields("topics", [index.SearchField("title")]),
    ]

    parent_page_types = ["content.ArticleIndexPage"]
    subpage_types: list[str] = []

    template = "content/article_page.html"

    class Meta:
        verbose_name = _("Artikel")
        verbose_name_plural = _("Artikel")

    @property
    def is_news(self) -> bool:
        return self.kind == self.KIND_NEWS


class StandardPage(UILanguageURLMixin, Page):
    """A plain page: Impressum, Datenschutz, Erklärung zur Barrierefreiheit, Leichte Sprache …"""

    intro = RichTextField(_("Einleitung"), features=INTRO_FEATURES, blank=True)
    body = StreamField(BodyStreamBlock(), verbose_name=_("Inhalt"), blank=True)
    show_in_footer = models.BooleanField(
        _("Im Fußbereich verlinken"), default=False,
        help_text=_("Für Impressum, Datenschutz, Barrierefreiheit und Leichte Sprache."),
    )

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    promote_panels = Page.promote_panels + [FieldPanel("show_in_footer")]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["content.HomePage", "content.StandardPage"]
    subpage_types = ["content.StandardPage"]

    template = "content/standard_page.html"

    class Meta:
        verbose_name = _("Standardseite")
        verbose_name_plural = _("Standardseiten")


class Bundesland(models.Model):
    """One of the 16 Länder (rows created by a data migration from plz.BUNDESLAENDER)."""

    code = models.CharField(_("Code"), max_length=5, primary_key=True)  # ISO 3166-2, e.g. DE-BY
    name = models.CharField(_("Name"), max_length=40, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Bundesland")
        verbose_name_plural = _("Bundesländer")
        constraints = [
            models.CheckConstraint(condition=models.Q(code__startswith="DE-"), name="content_bundesland_code_iso"),
        ]

    def __str__(self) -> str:
        return self.name


class AdviceCentre(index.Indexed, models.Model):
    """A counselling centre visitors can find by Bundesland, postcode and topic (a snippet)."""

    KIND_REGIONAL = "zukunftszentrum"
    KIND_HDS = "hds"
    KIND_OTHER = "sonstige"
    KIND_CHOICES = [
        (KIND_REGIONAL, _("Regionales Zukunftszentrum")),
        (KIND_HDS, _("Haus der Selbstständigen")),
        (KIND_OTHER, _("Sonstige Beratungsstelle")),
    ]

    name = models.CharField(_("Name"), max_length=160, unique=True)
    kind = models.CharField(_("Art"), max_length=20, choices=KIND_CHOICES, default=KIND_REGIONAL)
    nationwide = models.BooleanField(
        _("Bundesweit tätig"), default=False,
        help_text=_("Berät Menschen aus allen Bundesländern (z. B. online oder telefonisch)."),
    )
    bundeslaender = models.ManyToManyField(
        Bundesland, blank=True, related_name="advice_centres", verbose_name=_("Bundesländer")
    )
    topics = models.ManyToManyField(
        "content.TopicPage", blank=True, related_name="advice_centres", verbose_name=_("Themen"),
        help_text=_("Leer lassen, wenn die Stelle zu allen Themen berät."),
    )
    description = models.TextField(_("Beschreibung"), blank=True)
    address = models.TextField(_("Anschrift"), blank=True)
    phone = models.CharField(_("Telefon"), max_length=40, blank=True)
    email = models.EmailField(_("E-Mail"), blank=True)
    website = models.URLField(_("Website"), blank=True)
    is_demo = models.BooleanField(
        _("Demodaten"), default=False,
        help_text=_("Angaben sind erfunden (Demo-Inhalt) und werden so gekennzeichnet."),
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("kind"),
        FieldPanel("description"),
        MultiFieldPanel(
            [FieldPanel("nationwide"), FieldPanel("bundeslaender", widget=forms.CheckboxSelectMultiple)],
            heading=_("Zuständigkeit"),
        ),
        FieldPanel("topics", widget=forms.CheckboxSelectMultiple),
        MultiFieldPanel(
            [FieldPanel("address"), FieldPanel("phone"), FieldPanel("email"), FieldPanel("website")],
            heading=_("Kontakt"),
        ),
        FieldPanel("is_demo"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.SearchField("description"),
        index.SearchField("address"),
        index.AutocompleteField("name"),
        index.FilterField("kind"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("Beratungsstelle")
        verbose_name_plural = _("Beratungsstellen")

    def __str__(self) -> str:
        return self.name
