"""Components checked locally: the resident ID number and the bank card number."""

from __future__ import annotations

from zhongtai.core.specs.verification import ComponentHandler, StepRequest, StepResult
from zhongtai.plugins.verification.cards import normalise_card_number
from zhongtai.plugins.verification.errors import InvalidValueError
from zhongtai.plugins.verification.idnumber import parse_resident_id
from zhongtai.plugins.verification.masking import mask


class IdNumberHandler(ComponentHandler):
    """A valid GB 11643 number with a birth date not after today; establishes ``id_number``.

    If the subject came with an ``id_number``, the submitted one must be the same person's.
    """

    provides = ("id_number",)

    def __init__(self, *, max_attempts: int = 5) -> None:
        self.max_attempts = max_attempts

    def check(self, request: StepRequest) -> StepResult:
        shown = mask("id_number", request.value.strip())
        try:
            parsed = parse_resident_id(request.value, today=request.now.date())
        except InvalidValueError as exc:
            return StepResult(False, exc.message, shown)
        shown = mask("id_number", parsed.number)
        known = request.facts.get("id_number")
        if known and known != parsed.number:
            return StepResult(False, "ID number differs from the one on record", shown)
        return StepResult(True, "", shown, facts={"id_number": parsed.number})


class BankCardHandler(ComponentHandler):
    """A plausible card number (12-19 digits, Luhn); establishes ``card_number``."""

    provides = ("card_number",)

    def __init__(self, *, max_attempts: int = 5) -> None:
        self.max_attempts = max_attempts

    def check(self, request: StepRequest) -> StepResult:
        shown = mask("card_number", request.value)
        try:
            number = normalise_card_number(request.value)
        except InvalidValueError as exc:
            return StepResult(False, exc.message, shown)
        return StepResult(True, "", shown, facts={"card_number": number})
