"""Property lifecycle: deprecation (with x-sunset) and x-stability-level on schema properties."""

from __future__ import annotations

from generator.diffing.schema_walk import SchemaPair
from generator.diffing.sunset import INVALID, STABILITY_ORDER, parse_sunset, stability_of

__all__ = ["RULES"]


def check_deprecation(pair: SchemaPair) -> None:
    """Report a property that became deprecated (with or without sunset) or was reactivated."""
    if pair.site.is_top:
        return
    was = pair.base.node.get("deprecated") is True
    now = pair.revision.node.get("deprecated") is True
    if was == now:
        return
    if not now:
        pair.emit("reactivated", "deprecation withdrawn")
        return
    sunset = parse_sunset(pair.revision.node.get("x-sunset"))
    options = pair.sink.context.options
    days = options.deprecation_days_stable
    if sunset is INVALID:
        pair.emit(
            "deprecated-sunset-invalid",
            f"deprecated with an unparseable x-sunset '{pair.revision.node.get('x-sunset')}'",
        )
    elif sunset is None:
        if days > 0:
            pair.emit("deprecated-sunset-missing", "deprecated without x-sunset")
        else:
            pair.emit("deprecated", "deprecated")
    elif days > 0 and (sunset - options.today).days < days:
        pair.emit("sunset-date-too-small", f"deprecated with x-sunset {sunset}, less than {days} days away")
    else:
        pair.emit("deprecated-with-sunset", f"deprecated with x-sunset {sunset}")


def check_stability(pair: SchemaPair) -> None:
    """Report a property whose x-stability-level went down or up."""
    old, new = stability_of(pair.base.node), stability_of(pair.revision.node)
    if old == new or old not in STABILITY_ORDER or new not in STABILITY_ORDER:
        return
    verb = "decreased" if STABILITY_ORDER[new] < STABILITY_ORDER[old] else "increased"
    pair.emit(f"stability-{verb}", f"x-stability-level {verb} from '{old}' to '{new}'")


RULES = (check_deprecation, check_stability)
