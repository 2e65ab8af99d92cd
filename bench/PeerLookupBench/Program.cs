using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BranchTasks.Core.Platform;

// peer-lookup-bench LEVEL... [--runs N] [--warmup W]
//   For each LEVEL (a number of extra loopback TCP connections held open by this process, cumulative, each adding two
//   rows to /proc/net/tcp), times the lookup of one accepted connection's peer by both paths, interleaved (the order
//   alternates each run): `proc` reads /proc/net/tcp and tcp6 (LinuxTcpPeers), `netlink` asks the kernel for the one
//   socket (LinuxSockDiag). Prints one tab-separated line per level and arm: level, rows in /proc/net/tcp + tcp6 at the
//   time, arm, median µs, p10, p90, runs. Both must name this user, or the run fails.
var levels = args.TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray();
var runs = Option("--runs", 1000);
var warmup = Option("--warmup", 200);
var me = UnixInterop.EffectiveUserId();

using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
listener.Listen(1024);
var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
var held = new List<Socket>();
using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
client.Connect(IPAddress.Loopback, port);
using var accepted = listener.Accept();
var peer = (IPEndPoint)accepted.RemoteEndPoint!;
var local = (IPEndPoint)accepted.LocalEndPoint!;

var arms = new (string Name, Func<PeerOwner?> Lookup)[]
{
    ("proc", () => LinuxTcpPeers.Find(peer, local, me)),
    ("netlink", () => LinuxSockDiag.Find(peer, local, me)),
};

try
{
    foreach (var level in levels)
    {
        while (held.Count / 2 < level)
        {
            var extra = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            extra.Connect(IPAddress.Loopback, port);
            held.Add(extra);
            held.Add(listener.Accept());
        }

        var rows = Rows("/proc/net/tcp") + Rows("/proc/net/tcp6");
        var samples = arms.Select(_ => new List<double>()).ToArray();
        for (var run = -warmup; run < runs; run++)
        {
            for (var k = 0; k < arms.Length; k++)
            {
                var index = (run + k) % arms.Length;
                index = index < 0 ? index + arms.Length : index;
                var start = Stopwatch.GetTimestamp();
                var owner = arms[index].Lookup();
                var elapsed = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
                if (owner?.Kind != PeerOwnerKind.CurrentUser)
                {
                    Console.Error.WriteLine($"peer-lookup-bench: {arms[index].Name} answered {owner?.ToString() ?? "nothing"}");
                    return 1;
                }

                if (run >= 0)
                {
                    samples[index].Add(elapsed);
                }
            }
        }

        for (var i = 0; i < arms.Length; i++)
        {
            var sorted = samples[i].Order().ToArray();
            Console.WriteLine(string.Join('\t', level, rows, arms[i].Name, F(Percentile(sorted, 0.5)), F(Percentile(sorted, 0.1)), F(Percentile(sorted, 0.9)), sorted.Length));
        }
    }
}
finally
{
    foreach (var socket in held)
    {
        socket.Dispose();
    }
}

return 0;

int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

static int Rows(string table) => File.ReadLines(table).Count() - 1;

static string F(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

static double Percentile(double[] sorted, double p) => sorted[(int)Math.Min(sorted.Length - 1, Math.Round(p * (sorted.Length - 1)))];
