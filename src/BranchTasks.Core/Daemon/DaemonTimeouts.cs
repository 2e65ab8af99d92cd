using System.Globalization;

namespace BranchTasks.Core.Daemon;

/// <summary>How long the daemon and its tunnels stay up unused: defaults and the environment variables that change them.</summary>
public static class DaemonTimeouts
{
    public const string IdleTimeoutVariable = "BRANCHTASKS_DAEMON_IDLE_TIMEOUT";
    public const string TunnelIdleTimeoutVariable = "BRANCHTASKS_TUNNEL_IDLE_TIMEOUT";
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromHours(1);
    public static readonly TimeSpan DefaultTunnelIdleTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Reads BRANCHTASKS_DAEMON_IDLE_TIMEOUT: seconds, or a TimeSpan such as 00:30:00.</summary>
    public static TimeSpan IdleTimeoutFromEnvironment() => Parse(Environment.GetEnvironmentVariable(IdleTimeoutVariable), DefaultIdleTimeout);

    /// <summary>Reads BRANCHTASKS_TUNNEL_IDLE_TIMEOUT the same way as the daemon's own idle timeout.</summary>
    public static TimeSpan TunnelIdleTimeoutFromEnvironment() => Parse(Environment.GetEnvironmentVariable(TunnelIdleTimeoutVariable), DefaultTunnelIdleTimeout);

    /// <summary>Seconds, or a TimeSpan such as 00:30:00; anything else means the default.</summary>
    internal static TimeSpan Parse(string? value, TimeSpan fallback)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero ? span : fallback;
    }
}
