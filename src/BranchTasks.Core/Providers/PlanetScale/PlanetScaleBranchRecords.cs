using System.Text.Json;
using BranchTasks.Core.State;

namespace BranchTasks.Core.Providers.PlanetScale;

/// <summary>
/// Which PlanetScale branches BranchTasks created, for which git branch. PlanetScale keeps no custom metadata
/// on a branch, so this record (a user-only file in the state directory) is what lets the tool refuse to
/// delete a branch it did not create.
/// </summary>
public sealed class PlanetScaleBranchRecords(StateDirectory state)
{
    private static readonly object Gate = new();

    private string FilePath => state.PathOf("planetscale-branches.json");

    public PlanetScaleBranchRecord? Find(string organization, string database, string branch)
    {
        lock (Gate)
        {
            return Load().FirstOrDefault(r => r.Matches(organization, database, branch));
        }
    }

    public void Add(PlanetScaleBranchRecord record) =>
        Update(records =>
        {
            records.RemoveAll(r => r.Matches(record.Organization, record.Database, record.Branch));
            records.Add(record);
        });

    public void Remove(string organization, string database, string branch) =>
        Update(records => records.RemoveAll(r => r.Matches(organization, database, branch)));

    /// <summary>Records a use; a record from before ownership (or before the repository's first commit) becomes <paramref name="owner"/>'s.</summary>
    public void Touch(string organization, string database, string branch, BranchOwner owner) =>
        Update(records =>
        {
            var index = records.FindIndex(r => r.Matches(organization, database, branch));
            if (index >= 0)
            {
                var record = records[index] with { LastUsedAt = DateTimeOffset.UtcNow };
                if ((record.Repository is null || record.Repository == owner.Repository.LocalId) && owner.Repository.RootCommit is not null)
                {
                    record = record with
                    {
                        Repository = owner.Repository.Id,
                        Owner = record.Owner ?? owner.Developer,
                        RepositoryLocation = record.RepositoryLocation ?? owner.Repository.Location,
                    };
                }

                records[index] = record;
            }
        });

    private void Update(Action<List<PlanetScaleBranchRecord>> change)
    {
        lock (Gate)
        {
            var records = Load();
            change(records);
            state.EnsureDirectory();
            StateDirectory.WritePrivateFile(FilePath, JsonSerializer.Serialize(records, CoreJson.Indented.ListPlanetScaleBranchRecord));
        }
    }

    private List<PlanetScaleBranchRecord> Load()
    {
        try
        {
            return File.Exists(FilePath) ? JsonSerializer.Deserialize(File.ReadAllText(FilePath), CoreJson.Indented.ListPlanetScaleBranchRecord) ?? [] : [];
        }
        catch (JsonException)
        {
            // A damaged record only costs ownership knowledge; deleting stays refused until a branch is recorded again.
            return [];
        }
    }
}

public sealed record PlanetScaleBranchRecord(
    string Organization,
    string Database,
    string Branch,
    string? Parent,
    string? GitBranch,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt)
{
    /// <summary>The repository it was made for; null in records from before ownership was recorded.</summary>
    public string? Repository { get; init; }

    /// <summary>The developer who made it (<c>login@machine</c>); null in records from before ownership was recorded.</summary>
    public string? Owner { get; init; }

    public string? RepositoryLocation { get; init; }

    public bool Matches(string organization, string database, string branch) =>
        Organization == organization && Database == database && Branch == branch;
}
