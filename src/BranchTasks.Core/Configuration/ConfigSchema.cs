namespace BranchTasks.Core.Configuration;

/// <summary>The JSON schema of branchtasks.json, shipped inside the assembly so the tool can print or write it.</summary>
public static class ConfigSchema
{
    private const string ResourceName = "branchtasks.schema.json";

    public static string ReadSchemaText()
    {
        using var stream = typeof(ConfigSchema).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from {typeof(ConfigSchema).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
