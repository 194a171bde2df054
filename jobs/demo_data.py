"""Synthetic demo sources, with ground truth, for trying out and measuring the resolution job.

`generate_demo_data(out_dir, persons, seed)` invents a European population (mostly Finland,
Germany, France and Sweden, with names such as Jääskeläinen, Müller, Hélène and Åsa) and writes
what two brands, a web tracker and a social-media listener would hold about it:

- `registry_magazine.csv`, `registry_cable.csv` (kind `registry`): one row per subscription.
  About 55% of persons subscribe to the magazine and 45% to cable; about 3% of magazine
  subscribers were entered twice under different subscriber_ids.
- `orders_magazine.csv`, `orders_cable.csv` (kind `orders`): several orders for many
  subscribers, dated over the two years before 2026-11-01, amounts in EUR.
- `online_profiles.jsonl` (kind `online`): cookie/device profiles of about half the persons, some
  with two or three devices. The e-mail hash is only known when the visitor logged in (~40%),
  names rarely. A public Wi-Fi address is shared by hundreds of profiles.
- `social_accounts.jsonl` (kind `social`): accounts of about 30% of persons, handles and display
  names derived from their names in varied ways, or unrelated to them.
- `ground_truth.csv`: `source, source_record_id, person_id` for every usable record of the
  registries (`magazine`, `cable`), `web` and `social`.

Every person appears in at least one source. Households (2-4 people sharing surname, address,
landline and home IP, sometimes twins born the same day) make near-duplicates that are not the
same person. About 5% of each source's records belong to nobody else ("strangers"). Noise, each
kind at a few percent: typos, nicknames, swapped first and last names, missing values, outdated
addresses of people who moved, abbreviated street names, birth dates in four formats or with day
and month transposed, phones in six national and international formats, e-mails in upper case or
padded with spaces, and placeholders (`noemail@example.com`, phone `0000000`, birth date
`1900-01-01`).

About 0.2% of each file (at least two rows per file, and every kind of defect in every file) is
deliberately broken so that a careful ingest must reject it; see the `*_DEFECTS` constants.
Broken rows are left out of the ground truth.

Nothing is real: names are drawn from lists of common names, e-mail domains and websites use the
reserved `.example` top-level domain, and IP addresses come from private (10/8), carrier-grade
NAT (100.64/10) and documentation (198.51.100/24) ranges. Phone numbers are random but valid for
their country, so that `phonenumbers` parses them as the job does. The same `persons` and `seed`
always give byte-identical files.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)
