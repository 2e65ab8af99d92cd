namespace BranchTasks.Core.Providers.Local;

/// <summary>Which server family a binary belongs to; they initialise a data directory differently.</summary>
public enum ServerFlavor
{
    MariaDb,
    MySql,
}

/// <summary>The server binary to run and how to initialise a data directory for it.</summary>
/// <param name="ServerPath">Full path of <c>mariadbd</c>/<c>mysqld</c>.</param>
/// <param name="Flavor">MariaDB initialises with its install tool; Oracle MySQL with <c>mysqld --initialize-insecure</c>.</param>
/// <param name="InstallToolPath"><c>mariadb-install-db</c>/<c>mysql_install_db</c> for MariaDB; null for MySQL.</param>
/// <param name="BaseDirectory">The installation root (parent of the binary's folder), for <c>--basedir</c>.</param>
public sealed record ServerBinaries(string ServerPath, ServerFlavor Flavor, string? InstallToolPath, string BaseDirectory);
