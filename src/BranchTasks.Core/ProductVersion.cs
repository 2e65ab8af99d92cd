using System.Reflection;

namespace BranchTasks.Core;

/// <summary>
/// The one version BranchTasks reports everywhere (`--version`, `status`, `doctor`): Nerdbank.GitVersioning's
/// informational version of this build (<c>0.1.57-alpha+1a2b3c4d5e</c>), which names the commit too. The assembly
/// version (<c>0.1.0.0</c>) stays fixed across builds on purpose and says nothing about which one runs.
/// </summary>
public static class ProductVersion
{
    public static string Current { get; } =
        typeof(ProductVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ProductVersion).Assembly.GetName().Version?.ToString()
        ?? "unknown";
}
