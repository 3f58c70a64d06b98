"""Read the live tenant with the fewest requests the contract allows.

One GET of the settings and the list pages of campaigns and webhooks at the largest page
size, all three streams concurrently; the list bodies are complete, so there is never a
per-resource GET. Read-only by construction: only `DialerApi` read methods are called.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler import aio
from reconciler.dialer_v1.api import DialerApi, LiveCampaign, LiveSettings, LiveWebhook

MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class LiveState:
    """The live tenant keyed by name, with every resource's versionTag."""

    settings: LiveSettings
    campaigns: dict[str, LiveCampaign]
    webhooks: dict[str, LiveWebhook]

    def version_tags(self) -> dict[str, dict[str, str]]:
        """kind -> name -> versionTag, as recorded in a plan."""
        return {
            "DialerSettings": {self.settings.body.name: self.settings.version_tag},
            "Campaign": {n: c.version_tag for n, c in sorted(self.campaigns.items())},
            "Webhook": {n: w.version_tag for n, w in sorted(self.webhooks.items())},
        }


async def observe(api: DialerApi, *, page_size: int = MAX_PAGE_SIZE) -> LiveState:
    """Read settings, every campaign and every webhook."""

    async def campaigns() -> dict[str, LiveCampaign]:
        return {c.body.name: c async for c in api.iter_campaigns(page_size=page_size)}

    async def webhooks() -> dict[str, LiveWebhook]:
        return {w.body.name: w async for w in api.iter_webhooks(page_size=page_size)}

    # One failed stream cancels the others before the error leaves: none may go on to use
    # the client after its caller has closed it.
    settings, live_campaigns, live_webhooks = await aio.gather(
        api.get_settings(), campaigns(), webhooks()
    )
    return LiveState(settings=settings, campaigns=live_campaigns, webhooks=live_webhooks)
