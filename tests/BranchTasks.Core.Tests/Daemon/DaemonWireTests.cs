using System.Reflection;
using System.Text;
using System.Text.Json;
using BranchTasks.Core.Daemon;
using BranchTasks.Core.Ensure;

namespace BranchTasks.Core.Tests.Daemon;

/// <summary>
/// The hand-written client codec and JsonSerializer with <see cref="DaemonJson.Options"/> speak the same JSON. Every
/// property is filled by reflection, so one added to a protocol type and not to the codec fails here.
/// </summary>
public sealed class DaemonWireTests
{
    [Fact]
    public void A_request_with_every_property_set_is_written_as_JsonSerializer_writes_it()
    {
        var request = Filled<DaemonRequest>();
        request.Credentials = new Dictionary<string, string> { ["BRANCHTASKS_MYSQL_USER"] = "dév", ["PLANETSCALE_SERVICE_TOKEN"] = "a\"b\\c\n" };

        Assert.Equal(JsonSerializer.Serialize(request, DaemonJson.Options) + "\n", Encoding.UTF8.GetString(DaemonWire.WriteLine(request)));
    }

    [Fact]
    public void A_request_with_nothing_but_its_op_is_written_as_JsonSerializer_writes_it()
    {
        var request = new DaemonRequest { Op = DaemonOps.Ping };

        Assert.Equal(JsonSerializer.Serialize(request, DaemonJson.Options) + "\n", Encoding.UTF8.GetString(DaemonWire.WriteLine(request)));
    }

    [Fact]
    public void Ensure_error_and_progress_answers_read_as_JsonSerializer_reads_them()
    {
        DaemonResponse[] answers =
        [
            new() { Ok = true, Ensure = Filled<EnsureResult>(), Message = "m" },
            new() { Ok = true, Ensure = new EnsureResult { GitBranch = "fünf/Äpfel", Port = 3306 } },
            DaemonResponse.Failure("BT0401", "branchtasks.json(3,5): \"parent\" is not a string"),
            new() { Progress = "Cloning 3 tables…" },
        ];

        foreach (var answer in answers)
        {
            var json = JsonSerializer.Serialize(answer, DaemonJson.Options);

            Assert.True(DaemonWire.TryRead(Encoding.UTF8.GetBytes(json), out var read), json);
            Assert.Equal(json, JsonSerializer.Serialize(read, DaemonJson.Options));
        }
    }

    [Theory]
    [InlineData("""{"ok":true,"status":{"processId":1,"startedAt":"2026-12-05T00:00:00+00:00","version":"1","tunnels":[]}}""")]
    [InlineData("""{"ok":true,"branches":[]}""")]
    [InlineData("""{"ok":true,"ensure":{"port":"3306"}}""")]
    [InlineData("""{"ok":true,"ensure":{"port":3306,"later":1}}""")]
    [InlineData("""{"ok":true""")]
    [InlineData("""[]""")]
    public void An_answer_with_anything_else_is_left_to_JsonSerializer(string json)
    {
        Assert.False(DaemonWire.TryRead(Encoding.UTF8.GetBytes(json), out _));
    }

    private static T Filled<T>()
        where T : new()
    {
        var value = new T();
        foreach (var property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            object? filled = type == typeof(string) ? property.Name + " \u2192 é"
                : type == typeof(bool) ? true
                : type == typeof(int) ? 4242
                : type == typeof(Dictionary<string, string>) ? new Dictionary<string, string> { ["k"] = "v" }
                : throw new InvalidOperationException($"{typeof(T).Name}.{property.Name} ({type.Name}) is new to this test and to DaemonWire: teach both.");
            property.SetValue(value, filled);
        }

        return value;
    }
}
