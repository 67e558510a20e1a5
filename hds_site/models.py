"""Tables the whole project shares: the live-event log behind realtime.py."""

from django.db import models


class LiveStream(models.Model):
    """One row per live group; ``last_seq`` hands out gap-free sequence numbers.

    Locking this row while an event is appended makes the events of one group
    commit in sequence order, so a client that resumes after ``seq`` N can never
    miss an event numbered below a later one it already saw.
    """

    group = models.CharField(max_length=100, primary_key=True)
    last_seq = models.BigIntegerField(default=0)


class LiveEvent(models.Model):
    group = models.CharField(max_length=100)
    seq = models.BigIntegerField()
    type = models.CharField(max_length=60)
    data = models.JSONField(default=dict)
    html = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "seq"], name="live_event_group_seq_unique")]
        indexes = [models.Index(fields=["created_at"], name="live_event_created_idx")]
        ordering = ["group", "seq"]

    def envelope(self) -> dict:
        return {"type": self.type, "seq": self.seq, "data": self.data, "html": self.html}
