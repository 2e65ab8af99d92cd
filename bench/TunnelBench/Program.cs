using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Tunnel;
using MySqlConnector;

// tunnel-bench serve   --server-port P --user U --database D --upstream-tls on|off     (password: BT_BENCH_PASSWORD)
//   Hosts one tunnel to the server with the daemon's code and options except the chosen upstream TLS setting
//   (the daemon always uses TLS when the server offers it); prints "port=N", then runs until SIGTERM or SIGINT.
// tunnel-bench latency --database D --runs N --warmup W ARM...                          (password: BT_BENCH_PASSWORD)
//   ARM is name=port:ssl:auth (port: a TCP port on 127.0.0.1, or a Unix socket's path), ssl none|required, auth password|none. Opens a connection (no pooling), runs SELECT 1
//   and closes it, N times per arm with the arms interleaved (round-robin, order rotated each round), and prints
//   one tab-separated line per arm: name, median ms, p10, p90, mean, runs.
var options = ParseOptions(args.Skip(1));
var password = Environment.GetEnvironmentVariable("BT_BENCH_PASSWORD") ?? "";
switch (args.FirstOrDefault())
{
    case "serve":
    {
        var endpoint = new UpstreamEndpoint("127.0.0.1", int.Parse(options["server-port"], CultureInfo.InvariantCulture), options["user"], password, options["database"]);
        var tunnelOptions = new TunnelOptions { UpstreamTls = options.GetValueOrDefault("upstream-tls", "on") == "on" };
        await using var tunnel = TunnelListener.Start(endpoint, preferredPort: null, tunnelOptions);
        var stop = new TaskCompletionSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.TrySetResult(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.TrySetResult(); });
        Console.WriteLine($"port={tunnel.Port}");
        Console.Out.Flush();
        await stop.Task;
        return 0;
    }

    case "latency":
    {
        var runs = int.Parse(options.GetValueOrDefault("runs", "300"), CultureInfo.InvariantCulture);
        var warmup = int.Parse(options.GetValueOrDefault("warmup", "30"), CultureInfo.InvariantCulture);
        var arms = options.Arms.Select(a => Arm.Parse(a, options["database"], password)).ToList();
        foreach (var arm in arms)
        {
            for (var i = 0; i < warmup; i++)
            {
                await arm.OnceAsync();
            }
        }

        for (var round = 0; round < runs; round++)
        {
            for (var k = 0; k < arms.Count; k++)
            {
                var arm = arms[(round + k) % arms.Count];
                arm.Samples.Add(await arm.OnceAsync());
            }
        }

        foreach (var arm in arms)
        {
            var sorted = arm.Samples.Order().ToArray();
            Console.WriteLine(string.Join('\t', arm.Name, F(Percentile(sorted, 0.5)), F(Percentile(sorted, 0.1)), F(Percentile(sorted, 0.9)), F(sorted.Average()), sorted.Length.ToString(CultureInfo.InvariantCulture)));
        }

        return 0;
    }

    default:
        Console.Error.WriteLine("usage: tunnel-bench serve|latency [--option value]... (see Program.cs)");
        return 2;
}

static string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

static double Percentile(double[] sorted, double p)
{
    var index = p * (sorted.Length - 1);
    var low = (int)Math.Floor(index);
    var high = Math.Min(low + 1, sorted.Length - 1);
    return sorted[low] + (sorted[high] - sorted[low]) * (index - low);
}

static Options ParseOptions(IEnumerable<string> args)
{
    var result = new Options();
    var list = args.ToList();
    for (var i = 0; i < list.Count; i++)
    {
        if (list[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < list.Count)
        {
            result[list[i][2..]] = list[++i];
        }
        else
        {
            result.Arms.Add(list[i]);
        }
    }

    return result;
}

internal sealed class Options : Dictionary<string, string>
{
    public List<string> Arms { get; } = [];
}

internal sealed class Arm(string name, string connectionString)
{
    public string Name { get; } = name;

    public List<double> Samples { get; } = [];

    public static Arm Parse(string text, string database, string password)
    {
        // name=port:ssl:auth
        var (name, spec) = (text[..text.IndexOf('=')], text[(text.IndexOf('=') + 1)..].Split(':'));
        var builder = new MySqlConnectionStringBuilder
        {
            UserID = "branchtasks_app",
            Database = database,
            Pooling = false,
            SslMode = spec[1] == "required" ? MySqlSslMode.Required : MySqlSslMode.None,
        };
        if (spec[0].StartsWith('/'))
        {
            builder.Server = spec[0];
            builder.ConnectionProtocol = MySqlConnectionProtocol.UnixSocket;
        }
        else
        {
            builder.Server = "127.0.0.1";
            builder.Port = uint.Parse(spec[0], CultureInfo.InvariantCulture);
        }

        if (spec[2] == "password")
        {
            builder.Password = password;
        }

        return new Arm(name, builder.ConnectionString);
    }

    public async Task<double> OnceAsync()
    {
        var started = Stopwatch.GetTimestamp();
        await using (var connection = new MySqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new MySqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync();
        }

        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }
}
