"""The fan-out baseline: a bare Channels consumer that joins one group and relays what arrives."""

import json

from channels.generic.websocket import AsyncWebsocketConsumer

GROUP = "bench.relay"


class RelayConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def relay_message(self, message):
        await self.send(text_data=json.dumps({"type": "relay", "sent": message["sent"], "n": message["n"]}))
