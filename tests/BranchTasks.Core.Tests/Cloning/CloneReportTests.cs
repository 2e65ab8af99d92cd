using BranchTasks.Core.Cloning;

namespace BranchTasks.Core.Tests.Cloning;

public sealed class CloneReportTests
{
    [Fact]
    public void A_clone_that_took_the_fast_way_has_nothing_to_say()
    {
        Assert.Null(CloneReport.Empty.SlowerPathNote());
        Assert.Null(new CloneReport(["a", "b"], []).SlowerPathNote());
        Assert.Null(new CloneReport(["a"], []) { UnderExportLock = ["small"] }.SlowerPathNote());
        Assert.Null(new CloneReport([], [new("a", "no access to the server's files")]) { SqlCopy = SqlRowCopy.Parallel }.SlowerPathNote());
    }

    [Fact]
    public void Tables_that_could_not_travel_as_files_are_named_with_their_reasons_and_a_long_list_is_cut()
    {
        var bySql = Enumerable.Range(1, 7).Select(i => new TableCopiedBySql("t" + i, "engine Aria")).ToList();

        var note = new CloneReport(["x"], bySql).SlowerPathNote();

        Assert.Equal(
            "7 of 8 tables could not travel as files and were copied by SQL after the others: t1 (engine Aria); t2 (engine Aria); t3 (engine Aria); t4 (engine Aria); t5 (engine Aria); and 2 more.",
            note);
    }

    [Fact]
    public void Small_tables_copied_under_the_export_lock_count_among_the_tables_but_are_not_named()
    {
        var note = new CloneReport(["big"], [new("plain", "engine Aria")]) { UnderExportLock = ["s1", "s2"] }.SlowerPathNote();

        Assert.Equal("1 of 4 tables could not travel as files and were copied by SQL after the others: plain (engine Aria).", note);
    }

    [Fact]
    public void A_copy_in_one_transaction_says_why()
    {
        var report = new CloneReport([], [new("a", "no access to the server's files")])
        {
            SqlCopy = SqlRowCopy.OneTransaction,
            OneTransactionReason = "the parent's tables could not be locked for reading within 20 s",
        };

        Assert.Equal("Rows were copied in one transaction, not on several connections: the parent's tables could not be locked for reading within 20 s.", report.SlowerPathNote());
    }
}
