namespace BranchTasks.EndToEnd.Tests;

/// <summary>What the shop sample prints: the database it is connected to and the notes of its orders.</summary>
internal sealed record AppOutput(string Database, List<string> Notes)
{
    /// <summary>`dotnet run` arguments that add <paramref name="note"/> as an order, or only read when null.</summary>
    public static string[] RunArguments(string? note) =>
        ["run", "--", note is null ? "--Sample:ReadOnly=true" : "--Sample:Note=" + note];

    public static AppOutput Parse(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var database = lines.Single(l => l.StartsWith("database: ", StringComparison.Ordinal))["database: ".Length..];
        var notes = lines.Where(l => l.StartsWith("order ", StringComparison.Ordinal)).Select(l => l[(l.IndexOf(": ", StringComparison.Ordinal) + 2)..]).ToList();
        return new AppOutput(database, notes);
    }
}
