using System.Text;

namespace BranchTasks.Core.Tunnel.Protocol;

/// <summary>0xFE, plugin name, plugin data: the server asks for another authentication method.</summary>
internal sealed record AuthSwitchRequestPayload(string PluginName, byte[] Data)
{
    public const byte Header = 0xFE;

    public static AuthSwitchRequestPayload Parse(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        reader.ReadByte();
        var name = reader.ReadNullTerminatedString();
        var data = reader.ReadRemaining();
        // mysql_native_password's scramble comes NUL-terminated.
        if (data.Length > 0 && data[^1] == 0)
        {
            data = data[..^1];
        }

        return new AuthSwitchRequestPayload(name, data.ToArray());
    }

    public byte[] Serialize() => new PayloadWriter().Write(Header).WriteNullTerminated(Encoding.UTF8.GetBytes(PluginName)).Write(Data).Write((byte)0).ToArray();
}
