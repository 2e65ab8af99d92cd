using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using BranchTasks.Core.Ensure;

namespace BranchTasks.Core.Daemon;

/// <summary>
/// The client's side of the protocol, written and read with <see cref="Utf8JsonWriter"/> and <see cref="Utf8JsonReader"/>.
/// JsonSerializer, even with generated metadata, JIT-compiles its generic converters for every type a
/// <see cref="DaemonResponse"/> can hold, in every fresh process: some 30 of the ~45 ms an ensure took in the MSBuild
/// task of `dotnet run`. This code is precompiled with the assembly (ReadyToRun) and needs no JIT. The JSON stays
/// <see cref="DaemonJson"/>'s (tests hold the two to the same text), and an answer holding anything but what the
/// ensure and error paths use is left to JsonSerializer.
/// </summary>
internal static class DaemonWire
{
    /// <summary>Branch names are often not ASCII; printed as they are. Nothing here ends up in HTML.</summary>
    public static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>The request as one line of UTF-8 JSON, newline included.</summary>
    public static byte[] WriteLine(DaemonRequest request)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = Encoder, SkipValidation = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("op", request.Op);
            WriteIfSet(writer, "directory", request.Directory);
            WriteIfSet(writer, "configFile", request.ConfigFile);
            WriteIfSet(writer, "connectionName", request.ConnectionName);
            WriteIfSet(writer, "branchOverride", request.BranchOverride);
            if (request.Credentials is { } credentials)
            {
                writer.WriteStartObject("credentials");
                foreach (var (name, value) in credentials)
                {
                    writer.WriteString(name, value);
                }

                writer.WriteEndObject();
            }

            WriteIfSet(writer, "userSecretsId", request.UserSecretsId);
            WriteIfSet(writer, "name", request.Name);
            WriteIfSet(writer, "from", request.From);
            if (request.CopyData is { } copyData)
            {
                writer.WriteBoolean("copyData", copyData);
            }

            writer.WriteBoolean("all", request.All);
            writer.WriteBoolean("confirmed", request.Confirmed);
            writer.WriteBoolean("force", request.Force);
            if (request.OwnerProcessId is { } owner)
            {
                writer.WriteNumber("ownerProcessId", owner);
            }

            writer.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads an answer made of <c>ok</c>, <c>error</c>, <c>ensure</c>, <c>progress</c> and <c>message</c> only;
    /// false for anything else (a status, branch lists, data), which the caller reads with JsonSerializer.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> json, out DaemonResponse response)
    {
        var answer = new DaemonResponse();
        response = answer;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var known = reader.ValueTextEquals("ok"u8) ? ReadBoolean(ref reader, v => answer.Ok = v)
                    : reader.ValueTextEquals("progress"u8) ? ReadString(ref reader, v => answer.Progress = v)
                    : reader.ValueTextEquals("message"u8) ? ReadString(ref reader, v => answer.Message = v)
                    : reader.ValueTextEquals("error"u8) ? ReadError(ref reader, answer)
                    : reader.ValueTextEquals("ensure"u8) && ReadEnsure(ref reader, answer);
                if (!known)
                {
                    return false;
                }
            }

            return reader.TokenType == JsonTokenType.EndObject;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static bool ReadError(ref Utf8JsonReader reader, DaemonResponse response)
    {
        var error = new DaemonError();
        response.Error = error;
        return ReadObject(ref reader, (ref Utf8JsonReader r) =>
            r.ValueTextEquals("code"u8) ? ReadString(ref r, v => error.Code = v ?? "")
            : r.ValueTextEquals("message"u8) && ReadString(ref r, v => error.Message = v ?? ""));
    }

    private static bool ReadEnsure(ref Utf8JsonReader reader, DaemonResponse response)
    {
        var result = new EnsureResult();
        response.Ensure = result;
        return ReadObject(ref reader, (ref Utf8JsonReader r) =>
            r.ValueTextEquals("gitBranch"u8) ? ReadString(ref r, v => result.GitBranch = v ?? "")
            : r.ValueTextEquals("branch"u8) ? ReadString(ref r, v => result.Branch = v ?? "")
            : r.ValueTextEquals("database"u8) ? ReadString(ref r, v => result.Database = v ?? "")
            : r.ValueTextEquals("host"u8) ? ReadString(ref r, v => result.Host = v ?? "")
            : r.ValueTextEquals("port"u8) ? ReadInt32(ref r, v => result.Port = v)
            : r.ValueTextEquals("connectionString"u8) ? ReadString(ref r, v => result.ConnectionString = v ?? "")
            : r.ValueTextEquals("provider"u8) ? ReadString(ref r, v => result.Provider = v ?? "")
            : r.ValueTextEquals("connectionName"u8) ? ReadString(ref r, v => result.ConnectionName = v ?? "")
            : r.ValueTextEquals("notice"u8) ? ReadString(ref r, v => result.Notice = v)
            : r.ValueTextEquals("created"u8) ? ReadBoolean(ref r, v => result.Created = v)
            : r.ValueTextEquals("createdFrom"u8) && ReadString(ref r, v => result.CreatedFrom = v));
    }

    private delegate bool PropertyReader(ref Utf8JsonReader reader);

    /// <summary>Reads an object's properties, each by <paramref name="property"/>; false at the first it does not know.</summary>
    private static bool ReadObject(ref Utf8JsonReader reader, PropertyReader property)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!property(ref reader))
            {
                return false;
            }
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    private static bool ReadString(ref Utf8JsonReader reader, Action<string?> set)
    {
        if (!reader.Read() || reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null))
        {
            return false;
        }

        set(reader.GetString());
        return true;
    }

    private static bool ReadBoolean(ref Utf8JsonReader reader, Action<bool> set)
    {
        if (!reader.Read() || reader.TokenType is not (JsonTokenType.True or JsonTokenType.False))
        {
            return false;
        }

        set(reader.GetBoolean());
        return true;
    }

    private static bool ReadInt32(ref Utf8JsonReader reader, Action<int> set)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var value))
        {
            return false;
        }

        set(value);
        return true;
    }
}
