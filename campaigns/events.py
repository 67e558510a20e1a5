"""Live event types of campaigns and their data (see docs/realtime.md and docs/campaigns.md).

Group: ``campaign.<id>``, one per campaign page. Declared here with the keys
and types of their ``data``; tests/test_live_events_schema.py checks every
event the tests send against these declarations.
"""

from hds_site.realtime import EPHEMERAL, REPLAYABLE, declare, group_name


def campaign_group(campaign_id: int) -> str:
    return group_name("campaign", campaign_id)


#: the signature count, batched (campaigns/live.py): at most one push per second per campaign;
#: also the first frame of every campaign socket
CAMPAIGN_COUNT = declare("campaign.count", EPHEMERAL, count=int, goal=int, percent=int)

#: an organiser's update (services.post_update); html: the update as the page lists it
CAMPAIGN_UPDATE = declare("campaign.update", REPLAYABLE, id=int)
