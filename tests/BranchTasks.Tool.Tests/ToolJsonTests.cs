using BranchTasks.Core.Ensure;
using BranchTasks.Core.Providers;
using BranchTasks.Tool.Commands;

namespace BranchTasks.Tool.Tests;

/// <summary>
/// The tool prints JSON through generated metadata only (the native tool has no reflection): every shape a verb hands to
/// CommandContext.WriteJson must be known to ToolJson, or that verb fails at run time.
/// </summary>
public sealed class ToolJsonTests
{
    public static TheoryData<Type> Printed() =>
    [
        typeof(ErrorOutput), typeof(PruneOutput), typeof(DeleteOutput), typeof(DoctorOutput), typeof(StatusStoppedOutput),
        typeof(StatusOutput), typeof(EnsureResult), typeof(BranchInfo), typeof(List<BranchCommand.ListedBranch>), typeof(SchemaDiff),
    ];

    [Theory]
    [MemberData(nameof(Printed))]
    public void Every_printed_shape_has_generated_metadata(Type type) => Assert.NotNull(ToolJson.Indented.GetTypeInfo(type));

    [Fact]
    public void An_error_prints_as_before()
    {
        var json = System.Text.Json.JsonSerializer.Serialize(new ErrorOutput(new ErrorOutputBody("BT0002", "bad <arg>")), Core.Daemon.DaemonJson.Info<ErrorOutput>(ToolJson.Indented));

        Assert.Equal("{\n  \"error\": {\n    \"code\": \"BT0002\",\n    \"message\": \"bad <arg>\"\n  }\n}", json.ReplaceLineEndings("\n"));
    }
}
