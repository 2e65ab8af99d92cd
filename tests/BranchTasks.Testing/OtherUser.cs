namespace BranchTasks.Testing;

/// <summary>
/// The attacker next door: another OS user on the same machine. Tests run as root and drop to <c>nobody</c> with
/// setpriv, the way the suite's security tests try what a stranger could do.
/// </summary>
public static class OtherUser
{
    public const int Id = 65534;

    public static Task<ProcessResult> RunAsync(string program, params string[] arguments) =>
        ProcessRunner.RunAsync(
            "setpriv",
            ["--reuid=" + Id, "--regid=" + Id, "--clear-groups", program, .. arguments],
            Path.GetTempPath(),
            timeout: TimeSpan.FromMinutes(1));

    /// <summary>The <c>mariadb</c> client, as the other user, against a loopback port: what a stranger gets from a tunnel.</summary>
    public static Task<ProcessResult> QueryAsync(int port, string sql, string? password = null) =>
        RunAsync("/usr/bin/mariadb", ["--skip-ssl", "-h", "127.0.0.1", "-P", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-u", "app", .. password is null ? Array.Empty<string>() : ["-p" + password], "-e", sql]);
}
