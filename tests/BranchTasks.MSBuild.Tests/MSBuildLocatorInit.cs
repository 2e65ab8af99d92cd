using System.Runtime.CompilerServices;
using Microsoft.Build.Locator;

namespace BranchTasks.MSBuild.Tests;

internal static class MSBuildLocatorInit
{
    /// <summary>Registers the SDK's MSBuild before any test touches an MSBuild type.</summary>
    [ModuleInitializer]
    internal static void Register()
    {
        if (!MSBuildLocator.IsRegistered)
        {
            MSBuildLocator.RegisterDefaults();
        }
    }
}
