using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

// live-switch-bench --repo DIR --branches A,B --runs N [--warmup W] [--connection-name NAME]
//   An app on AddBranchTasks() (state directory: BRANCHTASKS_HOME, like any app) in the work tree DIR, whose two
//   branches A and B already have their database branches. N times: `git checkout` of the other branch, then the time
//   until IOptionsMonitor<ConnectionStrings> reports the new connection string. Prints one line per switch
//   ("switch <ms> git <ms>": checkout started → new value; checkout started → git exited) and a summary line
//   "summary median <ms> p90 <ms> min <ms> max <ms> git-median <ms> runs <n>".
var options = ParseOptions(args);
var repo = Path.GetFullPath(options["repo"]);
var branches = options["branches"].Split(',');
var runs = int.Parse(options.GetValueOrDefault("runs", "20"), CultureInfo.InvariantCulture);
var warmup = int.Parse(options.GetValueOrDefault("warmup", "2"), CultureInfo.InvariantCulture);
var name = options.GetValueOrDefault("connection-name", "Default");

Git(repo, "checkout", "-q", branches[0]);
using var configuration = (ConfigurationRoot)new ConfigurationBuilder()
    .AddBranchTasks(o =>
    {
        o.Directory = repo;
        o.ConnectionName = name;
        o.StartDaemon = false;
    })
    .Build();
var services = new ServiceCollection();
services.AddOptions<ConnectionStrings>().Bind(configuration.GetSection("ConnectionStrings"));
await using var provider = services.BuildServiceProvider();
var monitor = provider.GetRequiredService<IOptionsMonitor<ConnectionStrings>>();
if (monitor.CurrentValue.Get(name) is null)
{
    Console.Error.WriteLine($"live-switch-bench: no ConnectionStrings:{name} on {branches[0]}; is the daemon up for {repo}?");
    return 1;
}

TaskCompletionSource<string?>? changed = null;
using var subscription = monitor.OnChange(value => changed?.TrySetResult(value.Get(name)));

var switches = new List<double>();
var gits = new List<double>();
for (var i = 0; i < warmup + runs; i++)
{
    var target = branches[(i + 1) % branches.Length];
    var before = monitor.CurrentValue.Get(name);
    var wait = changed = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
    var started = Stopwatch.GetTimestamp();
    Git(repo, "checkout", "-q", target);
    var git = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    string? value;
    do
    {
        value = await wait.Task.WaitAsync(TimeSpan.FromSeconds(30));
        wait = changed = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
    }
    while (value == before);

    var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    if (i >= warmup)
    {
        switches.Add(elapsed);
        gits.Add(git);
        Console.WriteLine($"switch {F(elapsed)} git {F(git)}");
    }
}

var sorted = switches.Order().ToArray();
Console.WriteLine($"summary median {F(Percentile(sorted, 0.5))} p90 {F(Percentile(sorted, 0.9))} min {F(sorted[0])} max {F(sorted[^1])} git-median {F(Percentile([.. gits.Order()], 0.5))} runs {sorted.Length}");
return 0;

static void Git(string repo, params string[] arguments)
{
    var start = new ProcessStartInfo("git") { WorkingDirectory = repo, RedirectStandardError = true };
    foreach (var argument in arguments)
    {
        start.ArgumentList.Add(argument);
    }

    using var process = Process.Start(start)!;
    var error = process.StandardError.ReadToEnd();
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed: {error}");
    }
}

static string F(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

static double Percentile(double[] sorted, double p)
{
    var index = p * (sorted.Length - 1);
    var low = (int)Math.Floor(index);
    var high = Math.Min(low + 1, sorted.Length - 1);
    return sorted[low] + (sorted[high] - sorted[low]) * (index - low);
}

static Dictionary<string, string> ParseOptions(string[] args)
{
    var result = new Dictionary<string, string>();
    for (var i = 0; i + 1 < args.Length; i += 2)
    {
        result[args[i].TrimStart('-')] = args[i + 1];
    }

    return result;
}

internal sealed class ConnectionStrings : Dictionary<string, string?>
{
    public string? Get(string name) => TryGetValue(name, out var value) ? value : null;
}
