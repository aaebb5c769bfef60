"""Target fields of an import and column-name suggestions (English, French, HR exports, other tools)."""

import hashlib
import re

from django.utils.translation import gettext_lazy as _

from ..models import fold

# Target field -> label. Order is the order of the mapping page's choices.
FIELDS = {
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "full_name": _("Full name (first last, or last, first)"),
    "preferred_name": _("Preferred name"),
    "pronouns": _("Pronouns"),
    "language": _("Preferred language"),
    "employee_number": _("Employee number"),
    "email": _("Email"),
    "phone": _("Mobile phone"),
    "home_phone": _("Home phone"),
    "work_phone": _("Work phone"),
    "employer": _("Employer"),
    "worksite": _("Worksite"),
    "department": _("Department"),
    "shift": _("Shift"),
    "job_class": _("Job classification"),
    "local": _("Local (number)"),
    "employment_type": _("Employment type"),
    "employment_status": _("Employment status"),
    "membership_status": _("Membership status"),
    "hire_date": _("Hire date"),
    "seniority_date": _("Seniority date"),
    "do_not_contact": _("Do not contact (all channels)"),
    "do_not_phone": _("Do not phone"),
    "do_not_text": _("Do not text"),
    "do_not_email": _("Do not email"),
    "do_not_visit": _("Do not visit"),
}

MATCH_KEYS = {
    "employee_number": _("Employee number and employer"),
    "email": _("Email"),
    "phone": _("Phone and last name"),
}
DEFAULT_MATCH_ORDER = ["employee_number", "email", "phone"]

# Folded header -> field. Includes payroll/HR exports and Action Builder, Action Network
# and NationBuilder export headers.
SYNONYMS = {
    "first_name": [
        "first name", "firstname", "first", "given name", "given names", "forename", "prenom",
        "prénom", "emp first name", "employee first name", "legal first name", "first_name",
        "givenname",
    ],
    "last_name": [
        "last name", "lastname", "last", "surname", "family name", "nom", "nom de famille",
        "emp last name", "employee last name", "legal last name", "last_name", "familyname",
    ],
    "full_name": ["name", "full name", "employee name", "nom complet", "member name", "nom et prenom"],
    "preferred_name": ["preferred name", "nickname", "known as", "nom usuel", "prenom usuel",
                       "preferred_name", "preferred first name"],
    "pronouns": ["pronouns", "pronoms", "pronoun"],
    "language": ["language", "langue", "preferred language", "langue preferee", "language preference"],
    "employee_number": [
        "employee number", "employee no", "employee id", "emp id", "emp no", "empl id", "emplid",
        "employee #", "emp #", "staff number", "staff id", "payroll number", "payroll id",
        "personnel number", "numero d'employe", "numero employe", "no employe", "matricule",
        "id employe", "employee_number", "external id", "external_id", "worker id", "badge number",
    ],
    "email": [
        "email", "e-mail", "email address", "courriel", "adresse courriel", "personal email",
        "home email", "email_address", "primary email", "mail", "adresse electronique",
    ],
    "phone": [
        "phone", "mobile", "cell", "cell phone", "mobile phone", "mobile number", "cellulaire",
        "telephone cellulaire", "phone number", "telephone", "tel", "mobile_number", "phone_number",
        "cell_phone", "primary phone",
    ],
    "home_phone": ["home phone", "telephone maison", "home telephone", "home_phone", "tel maison",
                   "telephone domicile"],
    "work_phone": ["work phone", "telephone travail", "work_phone", "office phone", "tel travail"],
    "employer": ["employer", "employeur", "employer name", "company", "organization", "organisation",
                 "employer_name"],
    "worksite": [
        "worksite", "work site", "site", "location", "work location", "lieu de travail",
        "etablissement", "workplace", "facility", "building", "branch", "site name", "work_location",
    ],
    "department": ["department", "dept", "departement", "service", "unit", "work area",
                   "secteur", "department name", "dept name"],
    "shift": ["shift", "quart", "quart de travail", "schedule", "horaire", "rotation"],
    "job_class": [
        "job class", "job classification", "classification", "job title", "title", "position",
        "poste", "titre d'emploi", "titre", "job", "occupation", "job_title", "job code",
    ],
    "local": ["local", "local number", "section locale", "local no", "local #", "chapter", "branch number"],
    "employment_type": ["employment type", "status type", "ft/pt", "type d'emploi", "fte status",
                        "full time/part time", "employee type"],
    "employment_status": ["employment status", "statut d'emploi", "emp status", "employee status",
                          "status"],
    "membership_status": ["membership status", "member status", "statut de membre", "membership",
                          "dues status"],
    "hire_date": ["hire date", "date hired", "date of hire", "date d'embauche", "start date",
                  "original hire date", "hire_date", "date embauche"],
    "seniority_date": ["seniority date", "date d'anciennete", "seniority", "anciennete",
                       "seniority_date"],
    "do_not_contact": ["do not contact", "ne pas contacter", "dnc", "do_not_contact"],
    "do_not_phone": ["do not call", "do not phone", "ne pas appeler", "do_not_call", "do_not_phone"],
    "do_not_text": ["do not text", "do not sms", "ne pas texter", "do_not_text", "do_not_sms"],
    "do_not_email": ["do not email", "ne pas envoyer de courriel", "do_not_email", "email opt out",
                     "email_opt_out", "unsubscribed"],
    "do_not_visit": ["do not visit", "ne pas visiter", "do_not_visit"],
}


def _key(header: str) -> str:
    text = fold(header).replace("_", " ")
    text = re.sub(r"[^\w#' /-]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


_LOOKUP = {_key(name): target for target, names in SYNONYMS.items() for name in names}


def suggest_mapping(headers: list[str]) -> dict[str, str]:
    """Guess a target field for each header by name; each field is used at most once."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for index, header in enumerate(headers):
        target = _LOOKUP.get(_key(header))
        if target and target not in used:
            mapping[str(index)] = target
            used.add(target)
    return mapping


def headers_key(headers: list[str]) -> str:
    """A hash of the folded header row: files from the same source share it."""
    joined = "\x1f".join(_key(h) for h in headers)
    return hashlib.sha256(joined.encode()).hexdigest()


def mapping_from_preset(headers: list[str], preset_mapping: dict[str, str]) -> dict[str, str]:
    """Apply a preset (keyed by header name) to this file's columns."""
    by_name = {_key(k): v for k, v in preset_mapping.items()}
    return {
        str(i): by_name[_key(h)] for i, h in enumerate(headers) if by_name.get(_key(h)) in FIELDS
    }
