using System.Reflection;
using BranchTasks.Core.Daemon;
using BranchTasks.Core.Ensure;
using BranchTasks.Core.Errors;
using BranchTasks.Core.State;

namespace BranchTasks.Core.Tests.Daemon;

/// <summary>
/// The daemon's dispatch: one handler per operation, each reading its own request out of the wire envelope and
/// refusing what it lacks before doing any work. No server needed: every request here fails or answers before a
/// provider is made.
/// </summary>
public sealed class DaemonServiceTests : IAsyncLifetime
{
    private readonly string _home = Directory.CreateTempSubdirectory("bt-daemon-service-").FullName;
    private readonly string _folder = Directory.CreateTempSubdirectory("bt-not-a-repo-").FullName;
    private DaemonService _service = null!;
    private int _shutdowns;

    public Task InitializeAsync()
    {
        _service = new DaemonService(new StateDirectory(_home), () => _shutdowns++);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _service.DisposeAsync();
        Directory.Delete(_home, recursive: true);
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Every_operation_of_the_protocol_has_exactly_one_handler()
    {
        var protocol = typeof(DaemonOps).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .Order(StringComparer.Ordinal);

        Assert.Equal(protocol, _service.Operations.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_unknown_operation_is_refused_saying_which_and_what_to_do()
    {
        var response = await Handle(new DaemonRequest { Op = "branch-teleport", Directory = _folder });

        Assert.Equal(ErrorCodes.InvalidArgument, response.Error?.Code);
        Assert.Contains("'branch-teleport'", response.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("branchtasks down --all", response.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ping_and_status_answer_without_a_workspace()
    {
        Assert.Equal("pong", (await Handle(new DaemonRequest { Op = DaemonOps.Ping })).Message);
        var status = await Handle(new DaemonRequest { Op = DaemonOps.Status });
        Assert.True(status.Ok);
        Assert.Equal(Environment.ProcessId, status.Status?.ProcessId);
        Assert.Empty(status.Status!.Tunnels);
    }

    [Theory]
    [InlineData(DaemonOps.Ensure)]
    [InlineData(DaemonOps.BranchList)]
    [InlineData(DaemonOps.BranchCreate)]
    [InlineData(DaemonOps.BranchCheckout)]
    [InlineData(DaemonOps.BranchDelete)]
    [InlineData(DaemonOps.BranchPrune)]
    [InlineData(DaemonOps.BranchReset)]
    [InlineData(DaemonOps.BranchDiff)]
    [InlineData(DaemonOps.EphemeralCreate)]
    [InlineData(DaemonOps.EphemeralDelete)]
    public async Task A_workspace_operation_without_a_directory_is_refused(string op)
    {
        var response = await Handle(new DaemonRequest { Op = op, Name = "x", OwnerProcessId = 1 });

        Assert.Equal(ErrorCodes.InvalidArgument, response.Error?.Code);
        Assert.Equal("The request names no directory.", response.Error!.Message);
    }

    [Theory]
    [InlineData(DaemonOps.BranchCreate)]
    [InlineData(DaemonOps.BranchCheckout)]
    [InlineData(DaemonOps.BranchDelete)]
    [InlineData(DaemonOps.BranchReset)]
    [InlineData(DaemonOps.EphemeralDelete)]
    public async Task An_operation_on_a_named_branch_without_a_name_is_refused(string op)
    {
        var response = await Handle(new DaemonRequest { Op = op, Directory = _folder, Name = " " });

        Assert.Equal(ErrorCodes.InvalidArgument, response.Error?.Code);
        Assert.Equal("A branch name is required.", response.Error!.Message);
    }

    [Fact]
    public async Task A_throw_away_branch_without_its_run_is_refused()
    {
        var response = await Handle(new DaemonRequest { Op = DaemonOps.EphemeralCreate, Directory = _folder });

        Assert.Equal(ErrorCodes.InvalidArgument, response.Error?.Code);
        Assert.Contains("process id", response.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Down_outside_a_repository_points_at_down_all_and_down_all_stops_the_daemon()
    {
        var down = await Handle(new DaemonRequest { Op = DaemonOps.Down, Directory = _folder });
        Assert.Equal(ErrorCodes.NotAGitRepository, down.Error?.Code);
        Assert.Contains("branchtasks down --all", down.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(0, _shutdowns);

        var all = await Handle(new DaemonRequest { Op = DaemonOps.Down, All = true });
        Assert.True(all.Ok);
        Assert.Equal(1, _shutdowns);
    }

    [Fact]
    public async Task A_workspace_operation_that_cannot_open_its_workspace_answers_with_the_workspace_error()
    {
        var expected = Assert.Throws<BranchTasksException>(() => Workspace.Open(_folder, null, null, null));

        var response = await Handle(new DaemonRequest { Op = DaemonOps.BranchList, Directory = _folder });

        Assert.False(response.Ok);
        Assert.Equal(expected.Code, response.Error?.Code);
        Assert.Equal(expected.Message, response.Error!.Message);
    }

    private Task<DaemonResponse> Handle(DaemonRequest request) => _service.HandleAsync(request, CancellationToken.None);
}
