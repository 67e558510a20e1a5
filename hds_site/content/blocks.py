"""Stream blocks shared by every editorial page (in the style of bakerydemo's base/blocks.py).

One stream block, :class:`BodyStreamBlock`, is used by articles and standard
pages; each block carries its own template, icon, preview value and
description so editors see what they insert.
"""

from django.utils.translation import gettext_lazy as _
from wagtail.blocks import (
    CharBlock,
    ChoiceBlock,
    ListBlock,
    RichTextBlock,
    StreamBlock,
    StructBlock,
    TextBlock,
)
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

RICHTEXT_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul", "h3", "h4"]
SHORT_RICHTEXT_FEATURES = ["bold", "italic", "link", "ol", "ul"]


class HeadingBlock(StructBlock):
    """A section heading; the level keeps the outline in order (h1 is the page title)."""

    heading_text = CharBlock(label=_("Überschrift"), required=True)
    level = ChoiceBlock(
        label=_("Ebene"),
        choices=[("h2", _("Ebene 2 (Abschnitt)")), ("h3", _("Ebene 3 (Unterabschnitt)"))],
        default="h2",
    )

    class Meta:
        icon = "title"
        template = "content/blocks/heading_block.html"
        preview_value = {"heading_text": "Wer muss in die Rentenversicherung?", "level": "h2"}
        description = _("Eine Zwischenüberschrift der Ebene 2 oder 3")
        label = _("Überschrift")


class InfoBoxBlock(StructBlock):
    """A highlighted box: a tip, an important note or a warning."""

    variant = ChoiceBlock(
        label=_("Art"),
        choices=[("info", _("Hinweis")), ("tip", _("Tipp")), ("warning", _("Achtung"))],
        default="info",
    )
    title = CharBlock(label=_("Titel"), required=False)
    text = RichTextBlock(label=_("Text"), features=SHORT_RICHTEXT_FEATURES)

    class Meta:
        icon = "help"
        template = "content/blocks/info_box_block.html"
        preview_value = {
            "variant": "tip",
            "title": "Tipp",
            "text": "<p>Legen Sie jeden Monat einen festen Anteil Ihres Umsatzes für Steuern zurück.</p>",
        }
        description = _("Ein hervorgehobener Kasten für Hinweise, Tipps oder Warnungen")
        label = _("Infokasten")


class FAQItemBlock(StructBlock):
    question = CharBlock(label=_("Frage"))
    answer = RichTextBlock(label=_("Antwort"), features=SHORT_RICHTEXT_FEATURES)

    class Meta:
        icon = "help"
        label = _("Frage und Antwort")


class FAQBlock(StructBlock):
    """Questions and answers as native <details> elements: accessible and works without JS."""

    title = CharBlock(label=_("Überschrift"), required=False, default="Häufige Fragen")
    items = ListBlock(FAQItemBlock(), label=_("Fragen"), min_num=1)

    class Meta:
        icon = "list-ul"
        template = "content/blocks/faq_block.html"
        preview_value = {
            "title": "Häufige Fragen",
            "items": [
                {"question": "Muss ich als Selbstständige Umsatzsteuer ausweisen?",
                 "answer": "<p>Nicht, wenn Sie die Kleinunternehmerregelung nutzen.</p>"},
                {"question": "Wo melde ich mein Gewerbe an?",
                 "answer": "<p>Beim Gewerbeamt Ihrer Stadt oder Gemeinde.</p>"},
            ],
        }
        description = _("Aufklappbare Fragen und Antworten (Akkordeon)")
        label = _("FAQ")


class ImageBlock(StructBlock):
    """An image with mandatory alternative text and an optional caption."""

    image = ImageChooserBlock(label=_("Bild"))
    alt_text = CharBlock(
        label=_("Alternativtext"),
        required=True,
        help_text=_("Beschreibt, was auf dem Bild zu sehen ist – für Menschen, die es nicht sehen können."),
    )
    caption = CharBlock(label=_("Bildunterschrift"), required=False)
    attribution = CharBlock(label=_("Bildnachweis"), required=False)

    class Meta:
        icon = "image"
        template = "content/blocks/image_block.html"
        preview_value = {"alt_text": "Eine Grafikerin arbeitet am Laptop", "caption": "Beispielbild"}
        description = _("Ein Bild mit Alternativtext und Bildunterschrift")
        label = _("Bild")


class DocumentBlock(StructBlock):
    """A document download with its file type and size."""

    document = DocumentChooserBlock(label=_("Dokument"))
    title = CharBlock(label=_("Linktext"), required=False, help_text=_("Leer lassen, um den Titel des Dokuments zu verwenden."))
    description = TextBlock(label=_("Beschreibung"), required=False)

    class Meta:
        icon = "doc-full"
        template = "content/blocks/document_block.html"
        preview_value = {"title": "Checkliste Existenzgründung (PDF)", "description": "Zum Ausdrucken und Abhaken."}
        description = _("Ein Dokument zum Herunterladen")
        label = _("Download")


class QuoteBlock(StructBlock):
    """A quotation with attribution."""

    text = TextBlock(label=_("Zitat"))
    attribution = CharBlock(label=_("Quelle / Person"), required=False)

    class Meta:
        icon = "openquote"
        template = "content/blocks/quote_block.html"
        preview_value = {
            "text": "Seit ich meinen Stundensatz sauber kalkuliere, verhandle ich viel entspannter.",
            "attribution": "Mira K., Übersetzerin",
        }
        description = _("Ein Zitat mit Quellenangabe")
        label = _("Zitat")


class CaptionedEmbedBlock(StructBlock):
    """An external embed (video, audio) with a title for screen-reader users."""

    embed = EmbedBlock(label=_("URL"), help_text=_("Zum Beispiel ein Video von YouTube oder Vimeo"))
    title = CharBlock(label=_("Titel"), help_text=_("Beschreibt den Inhalt, wird als Titel des Rahmens vorgelesen."))
    caption = CharBlock(label=_("Beschreibung"), required=False)

    class Meta:
        icon = "media"
        template = "content/blocks/embed_block.html"
        preview_value = {"title": "Erklärvideo", "caption": "Ein eingebettetes Video"}
        description = _("Ein eingebettetes Video oder Audio von einer externen Plattform")
        label = _("Einbettung")


class BodyStreamBlock(StreamBlock):
    """The one stream block for editorial bodies."""

    paragraph = RichTextBlock(
        label=_("Text"),
        features=RICHTEXT_FEATURES,
        icon="pilcrow",
        template="content/blocks/paragraph_block.html",
        preview_value=(
            "<p>Selbstständige sind in Deutschland meist nicht automatisch rentenversichert. "
            "Dieser Abschnitt erklärt, wer trotzdem Beiträge zahlen muss.</p>"
        ),
        description=_("Ein Textabschnitt mit Formatierungen und Links"),
    )
    heading = HeadingBlock()
    info_box = InfoBoxBlock()
    faq = FAQBlock()
    image = ImageBlock()
    document = DocumentBlock()
    quote = QuoteBlock()
    embed = CaptionedEmbedBlock()
