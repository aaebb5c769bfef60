"""The matching rules: new, update, unchanged, duplicates, ambiguity, policy, DNC, scope, sync."""

from members.models import Email, ImportJob, ImportRow, ImportSeen, Member, Phone
from organizing.models import AuditEvent

from ... import factories as f

HEADER = "First name,Last name,Email,Mobile,Worksite,Department,Employee number,Hire date\n"


def test_first_import_creates_members_with_contact_points(director, world, run_import):
    content = HEADER + (
        "Jean,Gagnon,jean@example.net,613-555-0101,General Hospital,Emergency,E1,15/03/2019\n"
        "Marie,Roy,marie@example.net,(613) 555-0102,General Hospital,,E2,2020-01-31\n"
    )
    job = run_import(director, "list.csv", content, employer=world["site_a"].employer)
    assert job.status == ImportJob.Status.DONE, job.error
    assert (job.count_new, job.count_updated, job.count_rejected) == (2, 0, 0)
    jean = Member.objects.get(last_name="Gagnon")
    assert jean.worksite == world["site_a"] and jean.department == world["dept_a"]
    assert jean.hire_date.isoformat() == "2019-03-15"
    assert jean.employee_number == "E1" and jean.search_name == "jean gagnon"
    assert list(jean.phones.values_list("number", flat=True)) == ["+16135550101"]
    assert list(jean.emails.values_list("address", flat=True)) == ["jean@example.net"]
    assert AuditEvent.objects.filter(verb="import.commit", object_id=str(job.pk)).exists()
    assert not ImportRow.objects.filter(job=job).exists()
    assert job.file_path == ""


def test_reimport_of_the_same_file_is_all_unchanged(director, world, run_import):
    content = HEADER + (
        "Jean,Gagnon,jean@example.net,613-555-0101,General Hospital,Emergency,E1,15/03/2019\n"
        "Alice,Tremblay,alice@example.net,,General Hospital,Emergency,,\n"
    )
    employer = world["site_a"].employer
    first = run_import(director, "list.csv", content, employer=employer)
    assert (first.count_new, first.count_unchanged) == (1, 1)
    before = Member.objects.count(), Phone.objects.count(), Email.objects.count()
    again = run_import(director, "list.csv", content, employer=employer)
    assert (again.count_new, again.count_updated, again.count_unchanged, again.count_rejected) == (0, 0, 2, 0)
    assert (Member.objects.count(), Phone.objects.count(), Email.objects.count()) == before


def test_fill_blanks_never_overwrites_and_overwrite_never_blanks(director, world, run_import):
    alice = world["alice"]
    alice.pronouns = "she/her"
    alice.save()
    content = "Email,Pronouns,Preferred name,Employee number\nalice@example.net,they/them,Ali,\n"
    job = run_import(director, "a.csv", content)
    alice.refresh_from_db()
    assert job.count_updated == 1
    assert alice.pronouns == "she/her" and alice.preferred_name == "Ali"
    job = run_import(director, "a.csv", content.replace("Ali,", ","),
                     update_policy=ImportJob.Policy.OVERWRITE)
    alice.refresh_from_db()
    assert alice.pronouns == "they/them" and alice.preferred_name == "Ali"
    change = ImportSeen.objects.get(job=job, member_id=alice.pk).changes
    assert change == {"pronouns": ["she/her", "they/them"]}


def test_do_not_contact_survives_an_import_that_says_otherwise(director, world, run_import):
    alice = world["alice"]
    Member.objects.filter(pk=alice.pk).update(do_not_phone=True, do_not_email=True)
    content = "Email,Do not call,Do not email,Do not text\nalice@example.net,no,false,yes\n"
    job = run_import(director, "dnc.csv", content, update_policy=ImportJob.Policy.OVERWRITE)
    alice.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert alice.do_not_phone and alice.do_not_email and alice.do_not_text


def test_a_row_matching_two_members_is_rejected_as_ambiguous(director, world, run_import):
    # Employee number says Bob, email says Alice: never guessed.
    bob = world["bob"]
    Member.objects.filter(pk=bob.pk).update(employee_number="B7", employer=world["site_b"].employer)
    content = "Employee number,Email,First name,Last name\nB7,alice@example.net,Bob,Singh\n"
    job = run_import(director, "x.csv", content, employer=world["site_b"].employer)
    assert job.count_rejected == 1 and job.count_updated == 0
    row = ImportRow.objects.get(job=job)
    assert "ambiguous" in row.reason and row.error_column == "Email"
    # A shared email with two owners is ambiguous when email decides.
    f.EmailFactory(member=bob, address="shared@example.net")
    f.EmailFactory(member=world["alice"], address="shared@example.net")
    job = run_import(director, "y.csv", "Email,First name,Last name\nshared@example.net,A,B\n")
    assert job.count_rejected == 1


def test_match_order_decides_between_keys(director, world, run_import):
    alice = world["alice"]
    Member.objects.filter(pk=alice.pk).update(employee_number="A1", employer=world["site_a"].employer)
    f.EmailFactory(member=world["bob"], address="family@example.net")
    f.EmailFactory(member=alice, address="family@example.net")
    content = "Employee number,Email,Pronouns\nA1,family@example.net,she/her\n"
    employer = world["site_a"].employer
    job = run_import(director, "o.csv", content, employer=employer, commit=False,
                     match_order=["email", "employee_number"])
    assert job.count_rejected == 1
    job = run_import(director, "o.csv", content, employer=employer,
                     match_order=["employee_number", "email"])
    assert job.count_updated == 1
    alice.refresh_from_db()
    assert alice.pronouns == "she/her"


def test_phone_and_last_name_match(director, world, run_import):
    content = "Phone,Last name,First name,Pronouns\n613 555 0199,TREMBLAY,Alice,she/her\n"
    job = run_import(director, "p.csv", content)
    assert (job.count_new, job.count_updated) == (0, 1)


def test_duplicate_rows_inside_the_file_are_reported(director, world, run_import):
    content = HEADER + (
        "Jean,Gagnon,jean@example.net,,General Hospital,,,\n"
        "Jean,Gagnon,JEAN@example.net,,General Hospital,,,\n"
    )
    job = run_import(director, "d.csv", content, commit=False)
    assert (job.count_new, job.count_rejected) == (1, 1)
    row = ImportRow.objects.get(job=job, action="rejected")
    assert row.row_number == 3 and "duplicate" in row.reason


def test_preview_writes_nothing_and_lists_every_rejection(director, world, run_import):
    content = HEADER + (
        "Jean,Gagnon,not-an-email,,General Hospital,,,\n"
        "Marie,Roy,,12,General Hospital,,,\n"
        "Luc,Roy,,,Nowhere,,,\n"
        "Luc,Bois,,,General Hospital,Nowhere dept,,\n"
        "Anne,Roy,,,General Hospital,,,31/31/2020\n"
        ",,solo@example.net,,General Hospital,,,\n"
    )
    count = Member.objects.count()
    job = run_import(director, "bad.csv", content, commit=False)
    assert job.status == ImportJob.Status.PREVIEWED
    reasons = list(ImportRow.objects.filter(job=job, action="rejected").values_list(
        "row_number", "error_column", "reason"))
    assert reasons == [
        (2, "Email", "invalid email"),
        (3, "Mobile", "unparseable phone number"),
        (4, "Worksite", "unknown worksite"),
        (5, "Department", "unknown department"),
        (6, "Hire date", "unknown date format"),
        (7, "Last name", "missing name"),
    ]
    assert Member.objects.count() == count


def test_unknown_worksites_and_departments_can_be_created(director, world, run_import):
    content = HEADER + "Luc,Roy,,,New Site,New Dept,,\n"
    job = run_import(director, "c.csv", content, employer=world["site_a"].employer,
                     create_structure=True)
    assert job.count_new == 1
    luc = Member.objects.get(last_name="Roy")
    assert luc.worksite.name == "New Site" and luc.department.name == "New Dept"


def test_organizer_rows_outside_scope_are_rejected(organizer, world, run_import):
    content = HEADER + (
        "Jean,Gagnon,,,General Hospital,,,\n"
        "Paul,Roy,,,Civic Clinic,,,\n"
        "Bob,Singh,,,,,,\n"
    )
    job = run_import(organizer, "s.csv", content)
    # General Hospital is not assigned to the organizer by worksite, only local A is.
    rows = dict(ImportRow.objects.filter(job=job).values_list("row_number", "reason"))
    assert job.count_new == 0
    assert rows[3] == "outside your scope"
    content = "First name,Last name,Local,Worksite\nJean,Gagnon,100,General Hospital\nPaul,Roy,200,Civic Clinic\n"
    job = run_import(organizer, "s2.csv", content)
    assert (job.count_new, job.count_rejected) == (1, 1)
    assert not Member.objects.filter(last_name="Roy").exists()


def test_full_list_sync_flags_missing_members_and_never_deletes(director, world, run_import):
    employer = world["site_a"].employer
    other = f.MemberFactory(first_name="Zoe", last_name="Lee", worksite=world["site_a"], employer=employer)
    Member.objects.filter(pk=world["alice"].pk).update(employer=employer)
    content = "Email,First name,Last name\nalice@example.net,Alice,Tremblay\n"
    job = run_import(director, "full.csv", content, employer=employer, sync=ImportJob.Sync.EMPLOYER)
    assert job.count_missing == 1
    other.refresh_from_db()
    assert other.missing_from_list_since is not None
    assert Member.objects.filter(pk=world["alice"].pk, missing_from_list_since=None).exists()
    assert Member.objects.filter(pk=world["bob"].pk, missing_from_list_since=None).exists()


def test_commit_resumes_after_its_checkpoint_without_duplicates(director, world, run_import, settings,
                                                               django_capture_on_commit_callbacks):
    from members.imports import jobs

    settings.IMPORT_CHUNK_ROWS = 3
    content = HEADER + "".join(f"P{i},Person{i},p{i}@example.net,,General Hospital,,,\n" for i in range(10))
    job = run_import(director, "r.csv", content, commit=False)
    assert job.count_new == 10
    # Simulate a worker killed after two chunks: commit two chunks by hand, then run again.
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.COMMITTING)
    original = jobs.write_chunk
    calls = {"n": 0}

    def dying(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise SystemExit("killed")
        return original(**kwargs)

    jobs.write_chunk = dying
    try:
        try:
            jobs.import_commit_run(job.pk)
        except SystemExit:
            pass
    finally:
        jobs.write_chunk = original
    job.refresh_from_db()
    assert job.checkpoint == 7 and Member.objects.filter(last_name__startswith="Person").count() == 6
    jobs.import_commit_run(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Member.objects.filter(last_name__startswith="Person").count() == 10
    assert (job.count_new, job.rows_done) == (10, 10)


def test_rejected_rows_file_can_be_fixed_and_uploaded_again(director, world, run_import):
    from members.imports import jobs

    content = "First name,Last name,Email,Mobile\nJean,Gagnon,jean(at)example.net,+1 613 555 0101\n"
    job = run_import(director, "r.csv", content)
    assert job.count_rejected == 1
    rejected = "".join(jobs.import_rejected_csv(job)).lstrip("\ufeff")
    assert "'+1 613 555 0101" in rejected  # escaped for spreadsheets
    fixed = rejected.replace("jean(at)example.net", "jean@example.net")
    job = run_import(director, "r-fixed.csv", fixed)
    assert (job.count_new, job.count_rejected) == (1, 0)
    assert Member.objects.get(last_name="Gagnon").phones.get().number == "+16135550101"
