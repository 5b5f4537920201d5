"""An OpenFeature provider: ask with the standard API whether a plugin (or which variant) is on.

    from openfeature import api
    from openfeature.evaluation_context import EvaluationContext
    from zhongtai.sdk.openfeature import ZhongtaiProvider

    api.set_provider(ZhongtaiProvider(platform))
    client = api.get_client()
    context = EvaluationContext(targeting_key="user-42", attributes={"business": "edu.k12"})
    client.get_boolean_value("pricing.member-tier", False, context)   # on for this subject here?
    client.get_string_value("pricing.member-tier", "control", context)  # its experiment variant
    client.track("order.paid", context, TrackingEventDetails(value=99.0))  # an outcome event

The flag key is a plugin name; the targeting key is the subject and the
attribute ``business`` the business identity.  Answers come from
``BusinessView.admission`` -- the same rules the call path applies (enablement,
suspension, staged rollout, experiment variants) -- and reasons map to
OpenFeature's:

=========================================  =====================================
zhongtai                                   OpenFeature reason
=========================================  =====================================
enabled, no rollout                        STATIC
allow-listed subject                       TARGETING_MATCH
inside / outside a percentage rollout      SPLIT (value true / false)
experiment variant served                  SPLIT, ``variant`` = its name
not enabled, suspended, outside the window DISABLED (value false)
no business / unknown business             ERROR, INVALID_CONTEXT
rollout needs a subject, none given        ERROR, TARGETING_KEY_MISSING
plugin neither installed nor in registry   ERROR, FLAG_NOT_FOUND
registry unreadable, other failures        ERROR, GENERAL
=========================================  =====================================

A string evaluation returns the variant's name (the default when no experiment
runs: reason DEFAULT).  Integer, float and object evaluations are type
mismatches.  Serving a variant records an exposure, as a call does.  Needs the
extra ``zhongtai-sdk[openfeature]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openfeature.evaluation_context import EvaluationContext
from openfeature.exception import (
    FlagNotFoundError,
    GeneralError,
    InvalidContextError,
    TargetingKeyMissingError,
    TypeMismatchError,
)
from openfeature.flag_evaluation import FlagResolutionDetails, Reason
from openfeature.provider import AbstractProvider, Metadata
from openfeature.track import TrackingEventDetails

from zhongtai.core.errors import NotFound, UserError, ZhongtaiError
from zhongtai.core.rollout import ALLOW_LISTED, IN_ROLLOUT, NO_SUBJECT, OUTSIDE_ROLLOUT
from zhongtai.core.runtime.admission import ENABLED, VARIANT, Admission

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform

BUSINESS = "business"

REASONS: dict[str, Reason] = {
    ENABLED: Reason.STATIC,
    ALLOW_LISTED: Reason.TARGETING_MATCH,
    IN_ROLLOUT: Reason.SPLIT,
    OUTSIDE_ROLLOUT: Reason.SPLIT,
    VARIANT: Reason.SPLIT,
}


class ZhongtaiProvider(AbstractProvider):
    """OpenFeature provider over a :class:`~zhongtai.core.runtime.platform.Platform`."""

    def __init__(self, platform: Platform) -> None:
        super().__init__()
        self.platform = platform

    def get_metadata(self) -> Metadata:
        return Metadata(name="zhongtai")

    # -- the one real evaluation ---------------------------------------------------
    def admission(self, flag_key: str, context: EvaluationContext | None) -> Admission:
        """What the platform says for this plugin, business and subject; OpenFeature errors otherwise."""
        attributes = context.attributes if context is not None else {}
        business = attributes.get(BUSINESS)
        if not isinstance(business, str) or not business:
            raise InvalidContextError(f"the evaluation context needs the attribute {BUSINESS!r} (a business code)")
        subject = context.targeting_key if context is not None else None
        try:
            view = self.platform.business(business)
            if self.platform.plugins.get(flag_key) is None and flag_key not in view.effective_plugins():
                raise FlagNotFoundError(f"no plugin {flag_key!r} is installed or enabled at {business}")
            answer = view.admission(flag_key, subject=subject or None)
        except NotFound as exc:
            raise InvalidContextError(exc.message) from None
        except UserError as exc:
            raise InvalidContextError(exc.message) from None
        except ZhongtaiError as exc:
            raise GeneralError(exc.message) from None
        if answer.reason == NO_SUBJECT:
            raise TargetingKeyMissingError(answer.detail)
        return answer

    @staticmethod
    def _metadata(answer: Admission) -> dict[str, bool | int | float | str]:
        data: dict[str, bool | int | float | str] = {"business": answer.business, "zhongtai_reason": answer.reason,
                                                     "detail": answer.detail}
        if answer.experiment:
            data["experiment"] = answer.experiment
        return data

    # -- OpenFeature's resolvers ----------------------------------------------------
    def resolve_boolean_details(self, flag_key: str, default_value: bool,
                                evaluation_context: EvaluationContext | None = None) -> FlagResolutionDetails[bool]:
        answer = self.admission(flag_key, evaluation_context)
        return FlagResolutionDetails(value=answer.enabled, reason=REASONS.get(answer.reason, Reason.DISABLED),
                                     variant=answer.variant, flag_metadata=self._metadata(answer))

    def resolve_string_details(self, flag_key: str, default_value: str,
                               evaluation_context: EvaluationContext | None = None) -> FlagResolutionDetails[str]:
        answer = self.admission(flag_key, evaluation_context)
        if answer.variant is not None:
            return FlagResolutionDetails(value=answer.variant, reason=Reason.SPLIT, variant=answer.variant,
                                         flag_metadata=self._metadata(answer))
        reason = Reason.DEFAULT if answer.enabled else REASONS.get(answer.reason, Reason.DISABLED)
        return FlagResolutionDetails(value=default_value, reason=reason, flag_metadata=self._metadata(answer))

    def _mismatch(self, flag_key: str, kind: str) -> Any:
        raise TypeMismatchError(f"{flag_key}: zhongtai flags are booleans (on?) and strings (variant), not {kind}")

    def resolve_integer_details(self, flag_key: str, default_value: int,
                                evaluation_context: EvaluationContext | None = None) -> FlagResolutionDetails[int]:
        return self._mismatch(flag_key, "integers")  # type: ignore[no-any-return]

    def resolve_float_details(self, flag_key: str, default_value: float,
                              evaluation_context: EvaluationContext | None = None) -> FlagResolutionDetails[float]:
        return self._mismatch(flag_key, "floats")  # type: ignore[no-any-return]

    def resolve_object_details(  # type: ignore[override]
        self, flag_key: str, default_value: Any, evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[Any]:
        return self._mismatch(flag_key, "objects")  # type: ignore[no-any-return]

    def track(self, tracking_event_name: str, evaluation_context: EvaluationContext | None = None,
              tracking_event_details: TrackingEventDetails | None = None) -> None:
        """An outcome event (``order.paid``) of the context's subject at its business (buffered)."""
        attributes = evaluation_context.attributes if evaluation_context is not None else {}
        business = attributes.get(BUSINESS)
        subject = evaluation_context.targeting_key if evaluation_context is not None else None
        if not isinstance(business, str) or not subject:
            raise InvalidContextError("tracking needs a targeting key (the subject) and the attribute 'business'")
        value = tracking_event_details.value if tracking_event_details is not None else None
        self.platform.business(business).record(tracking_event_name, subject=subject, value=value)
