using BranchTasks.Core.Daemon;
using BranchTasks.Core.Providers;
using BranchTasks.Core.State;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Providers.PlanetScale;

/// <summary>
/// The daemon's side of a PlanetScale ensure: the service token travels with the request (the daemon's own
/// environment has none), and the wait for a new branch streams progress lines before the answer.
/// </summary>
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class PlanetScaleDaemonTests(PlanetScaleDoubleFixture fixture) : IClassFixture<PlanetScaleDoubleFixture>
{
    [Fact]
    public async Task An_ensure_carries_the_callers_token_and_streams_progress_while_the_branch_gets_ready()
    {
        var api = fixture.Api;
        Assert.Null(Environment.GetEnvironmentVariable(CredentialEnvironment.PlanetScaleToken));
        using var repo = TempGitRepository.Create();
        repo.WriteFile("branchtasks.json", $$"""
            { "provider": "planetscale", "database": "shop", "planetscale": { "organization": "{{api.Organization}}", "database": "{{api.Database}}", "caCertificateFile": "{{api.CaCertificateFile}}" } }
            """);
        repo.Commit("config");
        var gitBranch = "daemon-" + Guid.NewGuid().ToString("N")[..6];
        repo.Run("checkout", "-b", gitBranch);
        var home = Directory.CreateTempSubdirectory("bt-ps-daemon-").FullName;
        var server = new DaemonServer(new StateDirectory(home), TimeSpan.FromMinutes(5));
        var running = server.RunAsync(CancellationToken.None);
        try
        {
            var request = new DaemonRequest { Op = DaemonOps.Ensure, Directory = repo.Path };
            var progress = new List<string>();

            var anonymous = await SendAsync(home, request, progress);
            Assert.Equal("BT0701", anonymous.Error?.Code);

            request.Credentials = new Dictionary<string, string>
            {
                [CredentialEnvironment.PlanetScaleTokenId] = api.TokenId,
                [CredentialEnvironment.PlanetScaleToken] = api.Token,
                [CredentialEnvironment.PlanetScaleApiUrl] = api.ApiUrl,
            };
            var answer = await SendAsync(home, request, progress);

            Assert.True(answer.Ok, answer.Error?.Message);
            Assert.Equal(gitBranch, answer.Ensure!.Branch);
            Assert.Equal("planetscale", answer.Ensure.Provider);
            Assert.True(answer.Ensure.Created);
            Assert.Contains(progress, l => l.StartsWith($"Waiting for PlanetScale branch '{gitBranch}'", StringComparison.Ordinal));
            Assert.Single(api.LivePasswords, p => p.Branch == gitBranch);

            await DaemonClient.TrySendAsync(home, new DaemonRequest { Op = DaemonOps.Shutdown }, TimeSpan.FromSeconds(1), CancellationToken.None);
            Assert.True(await running.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.DoesNotContain(api.LivePasswords, p => p.Branch == gitBranch);
        }
        finally
        {
            await DaemonClient.TrySendAsync(home, new DaemonRequest { Op = DaemonOps.Shutdown }, TimeSpan.FromSeconds(1), CancellationToken.None);
            Directory.Delete(home, recursive: true);
        }
    }

    private static async Task<DaemonResponse> SendAsync(string home, DaemonRequest request, List<string> progress)
    {
        for (var i = 0; i < 100; i++)
        {
            var response = await DaemonClient.TrySendAsync(home, request, TimeSpan.FromMilliseconds(200), CancellationToken.None, progress.Add);
            if (response is not null)
            {
                return response;
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException("The daemon never answered.");
    }
}
