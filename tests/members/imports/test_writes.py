"""The set-based writes of a commit: the same outcome on SQLite and PostgreSQL (CI runs both)."""

from members.imports import jobs
from members.models import Email, ImportJob, ImportRow, ImportSeen, Member, Phone

from ... import factories as f


def confirm(director, job, django_capture_on_commit_callbacks) -> ImportJob:
    with django_capture_on_commit_callbacks(execute=True):
        jobs.import_job_confirm(actor=director, job=job)
    job.refresh_from_db()
    return job


def test_updates_with_different_changed_columns_are_written_in_every_chunk(
    director, world, run_import, settings
):
    settings.IMPORT_CHUNK_ROWS = 2
    site = world["site_a"]
    carl = f.MemberFactory(first_name="Carl", last_name="Roy", worksite=site, pronouns="he/him")
    dina = f.MemberFactory(first_name="Dina", last_name="Roy", worksite=site)
    f.EmailFactory(member=carl, address="carl@example.net")
    f.EmailFactory(member=dina, address="dina@example.net")
    before = Member.objects.get(pk=carl.pk).updated_at
    content = (
        "Email,Preferred name,Pronouns,Mobile,First name,Last name,Worksite\n"
        "carl@example.net,Carlo,they/them,613-555-0111,Carl,Roy,General Hospital\n"
        "dina@example.net,,she/her,,Dina,Roy,General Hospital\n"
        "alice@example.net,,,613-555-0199,Alice,Tremblay,General Hospital\n"
        "eve@example.net,,,(613) 555-0122,Eve,Noël,General Hospital\n"
        "fay@example.net,Fifi,,,Fay,Côté,General Hospital\n"
    )
    job = run_import(director, "list.csv", content)
    assert job.status == ImportJob.Status.DONE, job.error
    assert (job.count_new, job.count_updated, job.count_unchanged, job.count_rejected) == (2, 2, 1, 0)

    carl.refresh_from_db()
    assert (carl.preferred_name, carl.pronouns, carl.search_name) == ("Carlo", "he/him", "carl carlo roy")
    assert carl.updated_at > before
    assert list(carl.phones.values_list("number", "is_primary")) == [("+16135550111", False)]
    dina.refresh_from_db()
    assert dina.pronouns == "she/her" and dina.search_name == "dina roy"
    assert ImportSeen.objects.get(job=job, member_id=dina.pk).changes == {"pronouns": ["", "she/her"]}
    assert ImportSeen.objects.get(job=job, member_id=world["alice"].pk).action == "unchanged"
    assert world["alice"].phones.count() == 1

    eve = Member.objects.get(last_name="Noël")
    assert eve.search_name == "eve noel" and eve.worksite == site
    assert (eve.language, eve.do_not_phone, eve.missing_from_list_since) == (
        Member._meta.get_field("language").default, False, None,
    )
    assert eve.created_at is not None and eve.updated_at is not None
    assert list(eve.phones.values_list("number", "kind", "is_primary")) == [("+16135550122", "mobile", True)]
    assert list(eve.emails.values_list("address", "is_primary")) == [("eve@example.net", True)]
    fay = Member.objects.get(last_name="Côté")
    assert fay.search_name == "fay fifi cote"
    assert ImportSeen.objects.filter(job=job).count() == 5

    again = run_import(director, "list.csv", content)
    assert (again.count_new, again.count_updated, again.count_unchanged) == (0, 0, 5)


def test_the_commit_matches_against_the_database_as_it_is_at_commit_time(
    director, world, run_import, django_capture_on_commit_callbacks
):
    content = (
        "Email,First name,Last name\n"
        "gil@example.net,Gil,Ray\n"
        "hal@example.net,Hal,Ray\n"
        "ida@example.net,Ida,Ray\n"
    )
    job = run_import(director, "list.csv", content, commit=False)
    assert (job.status, job.count_new) == (ImportJob.Status.PREVIEWED, 3)
    # Meanwhile someone adds Gil by hand, and two people end up sharing Hal's address.
    gil = f.MemberFactory(first_name="Gil", last_name="Ray")
    f.EmailFactory(member=gil, address="gil@example.net")
    for _ in range(2):
        f.EmailFactory(member=f.MemberFactory(last_name="Other"), address="hal@example.net")

    job = confirm(director, job, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE
    assert (job.count_new, job.count_unchanged, job.count_rejected) == (1, 1, 1)
    assert Email.objects.filter(address="gil@example.net").count() == 1
    assert not Member.objects.filter(first_name="Hal").exists()
    rejected = ImportRow.objects.get(job=job, action=ImportRow.Action.REJECTED)
    assert (rejected.row_number, rejected.error_column) == (3, "Email")
    assert "ambiguous" in rejected.reason and rejected.raw == ["hal@example.net", "Hal", "Ray"]
    assert Member.objects.filter(first_name="Ida", emails__address="ida@example.net").count() == 1


def test_a_contact_point_added_meanwhile_is_not_added_twice(
    director, world, run_import, django_capture_on_commit_callbacks
):
    content = "Email,Mobile\nalice@example.net,613-555-0177\n"
    job = run_import(director, "list.csv", content, commit=False)
    assert job.count_updated == 1
    Phone.objects.create(member=world["alice"], number="+16135550177")
    job = confirm(director, job, django_capture_on_commit_callbacks)
    assert (job.status, job.count_unchanged) == (ImportJob.Status.DONE, 1)
    assert world["alice"].phones.filter(number="+16135550177").count() == 1
