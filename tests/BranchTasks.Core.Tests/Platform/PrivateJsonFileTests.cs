using BranchTasks.Core.Platform;

namespace BranchTasks.Core.Tests.Platform;

public sealed class PrivateJsonFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bt-json-file-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public sealed record Sample(string Name, int Port);

    /// <summary>System.Text.Json's defaults with generated metadata for <see cref="Sample"/>: the file reflects over nothing.</summary>
    private static readonly System.Text.Json.JsonSerializerOptions SampleOptions = new() { TypeInfoResolver = SampleJsonContext.Default };

    [Fact]
    public void A_written_value_reads_back_from_a_0600_file_with_no_temp_file_left()
    {
        var file = new PrivateJsonFile<Sample>(Path.Combine(_folder, "server.json"), SampleOptions);
        file.Write(new Sample("first", 1));
        file.Write(new Sample("second", 2));

        Assert.Equal(new Sample("second", 2), file.Read());
        Assert.Equal([file.Path], Directory.GetFileSystemEntries(_folder));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(PrivateFile.OwnerOnly, File.GetUnixFileMode(file.Path));
        }
    }

    [Fact]
    public void An_existing_file_readable_by_others_is_replaced_by_a_0600_one()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var path = Path.Combine(_folder, "tunnel-tokens.json");
        File.WriteAllText(path, "{}");
        File.SetUnixFileMode(path, PrivateFile.OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        new PrivateJsonFile<Dictionary<string, string>>(path).Write(new Dictionary<string, string> { ["k"] = "token" });

        Assert.Equal(PrivateFile.OwnerOnly, File.GetUnixFileMode(path));
    }

    [Fact]
    public void A_missing_file_is_no_value_and_no_problem()
    {
        var file = new PrivateJsonFile<Sample>(Path.Combine(_folder, "missing", "server.json"), SampleOptions);

        Assert.Null(file.TryRead(out var problem));
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"name\":\"half")]
    [InlineData("\u0000\u0001 garbage")]
    [InlineData("[1, 2, 3]")]
    [InlineData("{\"name\": \"x\", \"port\": \"not a number\"}")]
    public void A_damaged_file_is_no_value_with_a_reason_naming_it(string contents)
    {
        var path = Path.Combine(_folder, "credentials.json");
        File.WriteAllText(path, contents);

        Assert.Null(new PrivateJsonFile<Sample>(path, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web) { TypeInfoResolver = SampleJsonContext.Default }).TryRead(out var problem));
        Assert.NotNull(problem);
        Assert.Contains(path, problem);
        Assert.Contains("damaged", problem);
    }

    [Fact]
    public void A_null_document_is_no_value_with_a_reason()
    {
        var path = Path.Combine(_folder, "ports.json");
        File.WriteAllText(path, "null");

        Assert.Null(new PrivateJsonFile<Sample>(path, SampleOptions).TryRead(out var problem));
        Assert.Contains(path, problem);
    }

    [Fact]
    public void A_write_replaces_the_file_so_a_reader_that_opened_it_before_still_reads_the_whole_old_value()
    {
        var file = new PrivateJsonFile<Sample>(Path.Combine(_folder, "server.json"), SampleOptions);
        file.Write(new Sample("old", 1));
        using var reader = new StreamReader(new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));

        // A write into the file itself (truncate, then write) would leave this reader an empty or a mixed file.
        file.Write(new Sample("new", 2));

        Assert.Equal(new Sample("old", 1), System.Text.Json.JsonSerializer.Deserialize<Sample>(reader.ReadToEnd()));
        Assert.Equal(new Sample("new", 2), file.Read());
    }

    [Fact]
    public async Task A_reader_during_writes_always_sees_a_whole_value()
    {
        var file = new PrivateJsonFile<Dictionary<string, string>>(Path.Combine(_folder, "tunnel-ports.json"));
        // Large enough that a write in place would be seen half done.
        var values = Enumerable.Range(0, 4)
            .Select(i => Enumerable.Range(0, 20_000).ToDictionary(k => $"key-{k}", _ => new string((char)('a' + i), 64)))
            .ToArray();
        file.Write(values[0]);
        using var stop = new CancellationTokenSource();
        var problems = new List<string>();
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (file.TryRead(out var problem) is null)
                {
                    problems.Add(problem ?? "missing");
                }
            }
        });
        await Task.WhenAll(values.Select(value => Task.Run(() =>
        {
            for (var i = 0; i < 20; i++)
            {
                file.Write(value);
            }
        })));
        await stop.CancelAsync();
        await reader;

        Assert.Empty(problems);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(PrivateJsonFileTests.Sample))]
internal sealed partial class SampleJsonContext : System.Text.Json.Serialization.JsonSerializerContext
{
}
