using BranchTasks.Core.Cloning;

namespace BranchTasks.Core.Tests.Cloning;

public sealed class CloneReportTests
{
    [Fact]
    public void A_clone_that_took_the_fast_way_has_nothing_to_say()
    {
        Assert.Null(CloneReport.Empty.SlowerPathNote());
        Assert.Null(new CloneReport(["a", "b"], []).SlowerPathNote());
        Assert.Null(new CloneReport([], [new("a", "no access to the server's files")]) { SqlCopy = SqlRowCopy.Parallel }.SlowerPathNote());
    }

    [Fact]
    public void Tables_that_could_not_travel_as_files_are_named_with_their_reasons_and_a_long_list_is_cut()
    {
        var bySql = Enumerable.Range(1, 7).Select(i => new TableCopiedBySql("t" + i, "engine Aria")).ToList();

        var note = new CloneReport(["x"], bySql).SlowerPathNote();

        Assert.Equal(
            "7 of 8 tables were copied by SQL rather than as files: t1 (engine Aria); t2 (engine Aria); t3 (engine Aria); t4 (engine Aria); t5 (engine Aria); and 2 more.",
            note);
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
