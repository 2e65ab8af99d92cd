using System.Reflection;
using System.Runtime.CompilerServices;
using BranchTasks.Configuration;

namespace Microsoft.Extensions.Configuration;

/// <summary><c>builder.Configuration.AddBranchTasks()</c>.</summary>
public static class BranchTasksConfigurationExtensions
{
    /// <summary>
    /// Adds <c>ConnectionStrings:&lt;connectionName&gt;</c> for the repository's current git branch, following
    /// it live: a branch switch while the app runs reloads the configuration with the new branch's tunnel.
    /// Add it last so it wins over values command-line arguments (or <c>dotnet run</c>) injected.
    /// With no daemon running (F5 in an IDE, Test Explorer, <c>dotnet test</c>, <c>dotnet ef</c>) it starts one on first
    /// load, and throws <see cref="BranchTasksConfigurationException"/> when it cannot provide the connection string.
    /// </summary>
    // NoInlining: the calling assembly is the app's, whose metadata names the tool bundled in the BranchTasks package.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static IConfigurationBuilder AddBranchTasks(this IConfigurationBuilder builder, Action<BranchTasksConfigurationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new BranchTasksConfigurationOptions();
        configure?.Invoke(options);
        if (string.IsNullOrWhiteSpace(options.Directory))
        {
            // A host (WebApplication, Host.CreateApplicationBuilder) keeps its content root in the configuration it builds.
            options.Directory = builder is IConfiguration configuration && !string.IsNullOrWhiteSpace(configuration["contentRoot"])
                ? configuration["contentRoot"]
                : Environment.CurrentDirectory;
        }

        return builder.Add(new BranchTasksConfigurationSource(options) { AppAssembly = Assembly.GetCallingAssembly() });
    }
}
