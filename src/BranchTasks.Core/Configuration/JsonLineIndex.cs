using System.Text;
using System.Text.Json;

namespace BranchTasks.Core.Configuration;

/// <summary>
/// Where each JSON value sits in the file (1-based line and column), by JSON pointer. <see cref="JsonElement"/>
/// forgets positions, and error messages must point at the line to fix.
/// </summary>
internal sealed class JsonLineIndex
{
    private readonly Dictionary<string, List<JsonPosition>> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<JsonPosition>> _values = new(StringComparer.Ordinal);

    private JsonLineIndex()
    {
    }

    /// <summary>Indexes <paramref name="utf8"/>, which must already be known to parse (comments and trailing commas allowed).</summary>
    public static JsonLineIndex Build(ReadOnlySpan<byte> utf8)
    {
        var index = new JsonLineIndex();
        var lines = new LineMap(utf8);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var containers = new Stack<Container>();
        string? propertyPointer = null;

        while (reader.Read())
        {
            var position = lines.PositionOf(checked((int)reader.TokenStartIndex));
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                propertyPointer = containers.Peek().Pointer + "/" + Escape(reader.GetString()!);
                Add(index._keys, propertyPointer, position);
                continue;
            }

            if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
            {
                containers.Pop();
                continue;
            }

            string pointer;
            if (containers.Count == 0)
            {
                pointer = "";
            }
            else if (containers.Peek().IsArray)
            {
                var parent = containers.Pop();
                pointer = parent.Pointer + "/" + parent.NextIndex;
                containers.Push(parent with { NextIndex = parent.NextIndex + 1 });
            }
            else
            {
                pointer = propertyPointer!;
            }

            Add(index._values, pointer, position);
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                containers.Push(new Container(pointer, reader.TokenType == JsonTokenType.StartArray, 0));
            }
        }

        return index;
    }

    /// <summary>Escapes one JSON pointer segment (RFC 6901).</summary>
    public static string Escape(string segment) => segment.Replace("~", "~0").Replace("/", "~1");

    /// <summary>Position of a property's name; <paramref name="occurrence"/> picks among duplicate keys.</summary>
    public JsonPosition KeyAt(string pointer, int occurrence = 0) => Find(_keys, pointer, occurrence) ?? ValueAt(pointer, occurrence);

    /// <summary>Position of a value (for a property, its value; the root is pointer "").</summary>
    public JsonPosition ValueAt(string pointer, int occurrence = 0) => Find(_values, pointer, occurrence) ?? new JsonPosition(1, 1);

    private static JsonPosition? Find(Dictionary<string, List<JsonPosition>> map, string pointer, int occurrence) =>
        map.TryGetValue(pointer, out var list) ? list[Math.Min(occurrence, list.Count - 1)] : null;

    private static void Add(Dictionary<string, List<JsonPosition>> map, string pointer, JsonPosition position)
    {
        if (!map.TryGetValue(pointer, out var list))
        {
            map[pointer] = list = [];
        }

        list.Add(position);
    }

    private readonly record struct Container(string Pointer, bool IsArray, int NextIndex);

    /// <summary>Turns byte offsets into line and character column, counting characters so non-ASCII text lines up in editors.</summary>
    private readonly ref struct LineMap
    {
        private readonly ReadOnlySpan<byte> _utf8;
        private readonly List<int> _lineStarts;

        public LineMap(ReadOnlySpan<byte> utf8)
        {
            _utf8 = utf8;
            _lineStarts = [0];
            for (var i = 0; i < utf8.Length; i++)
            {
                if (utf8[i] == (byte)'\n')
                {
                    _lineStarts.Add(i + 1);
                }
            }
        }

        public JsonPosition PositionOf(int offset)
        {
            var line = _lineStarts.BinarySearch(offset);
            if (line < 0)
            {
                line = ~line - 1;
            }

            var start = _lineStarts[line];
            return new JsonPosition(line + 1, Encoding.UTF8.GetCharCount(_utf8[start..offset]) + 1);
        }
    }
}

/// <summary>A 1-based line and column in a JSON file.</summary>
internal readonly record struct JsonPosition(int Line, int Column);
