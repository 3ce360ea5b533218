"""Certificate signatures: an HMAC-SHA256, keyed with the secret of app/core/keys.py, over what a
certificate states and the transcript it was earned with.

Whoever can write to the database but does not hold the key can neither make a certificate that
verifies nor change one unnoticed. Certificates issued before signing carry the old unkeyed
SHA-256 digest (`legacy_digest`); they are signed again only when HR releases the results anew.
"""

import hashlib
import hmac
import json
from datetime import datetime, timezone
from typing import Any

from app.storage.models import Certificate

# The transcript fields a signature covers (DESIGN 4.1): what was said, by whom, and when.
TURN_FIELDS = ("seq", "speaker", "text", "typing_started_at", "sent_at", "started_at", "ended_at")


def _utc_stamp(moment: datetime) -> str:
    zoned = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)  # SQLite drops the zone
    return zoned.astimezone(timezone.utc).isoformat(timespec="seconds")


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def signature(key: bytes, certificate: Certificate, transcript: dict[str, Any]) -> str:
    """The certificate's signature: its code, holder, certification, session, scorecard version,
    score, pass mark and issue time, and the turns of the transcript."""
    turns = [{k: turn[k] for k in TURN_FIELDS if k in turn} for turn in transcript.get("turns", [])]
    payload = {
        "code": certificate.code, "certification_id": certificate.certification_id,
        "user_id": certificate.user_id, "session_id": certificate.session_id, "version": certificate.version,
        "overall": certificate.overall, "pass_mark": certificate.pass_mark,
        "issued_at": _utc_stamp(certificate.issued_at), "turns": turns,
    }
    return hmac.new(key, _canonical(payload), hashlib.sha256).hexdigest()


def genuine(key: bytes, certificate: Certificate, transcript: dict[str, Any]) -> bool:
    return hmac.compare_digest(signature(key, certificate, transcript), certificate.digest)


def legacy_digest(transcript: dict[str, Any], overall: int) -> str:
    """The unkeyed digest of certificates issued before signing (anyone could compute it)."""
    canonical = json.dumps({"transcript": transcript, "overall": overall}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
