"""Logging filters: what must never reach a log file.

A donor's private link (`/donor/<token>/`) opens their page and evidence for 90 days, and every
4xx answer under it (a mail scanner's HEAD, a 404, a CSRF failure) is logged by Django with its
path. The filter masks the token in a record's message and arguments before any handler writes
it; it sits on every handler of the LOGGING setting.
"""

import logging
import re

#: The donor pages whose second segment is not a token.
_NOT_TOKENS = ("link", "statement", "leave", "sponsorships", "photos", "payments")
DONOR_TOKEN = re.compile(
    r"(/donor/)(?!(?:" + "|".join(_NOT_TOKENS) + r")(?:/|$))[A-Za-z0-9_\-]{20,}"
)
MASK = r"\1[token]"


def mask_tokens(value):
    return DONOR_TOKEN.sub(MASK, value) if isinstance(value, str) else value


class MaskDonorTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_tokens(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: mask_tokens(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(mask_tokens(value) for value in record.args)
        return True
