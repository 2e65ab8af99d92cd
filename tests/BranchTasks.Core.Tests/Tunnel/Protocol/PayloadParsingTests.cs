using BranchTasks.Core.Tunnel.Protocol;

namespace BranchTasks.Core.Tests.Tunnel.Protocol;

/// <summary>
/// The payload parsers face peers that may send anything: cut short or garbled, a payload parses or throws
/// <see cref="InvalidDataException"/> (an ERR greeting: <see cref="MySqlProtocolException"/>), never another exception.
/// </summary>
public sealed class PayloadParsingTests
{
    private const CapabilityFlags Flags = CapabilityFlags.Protocol41 | CapabilityFlags.SecureConnection | CapabilityFlags.PluginAuth
        | CapabilityFlags.ConnectWithDatabase | CapabilityFlags.ConnectionAttributes | CapabilityFlags.PluginAuthLengthEncodedClientData;

    public static TheoryData<string> Parsers => [.. ParsersByName.Keys];

    private static readonly Dictionary<string, (byte[] Valid, Action<byte[]> Parse)> ParsersByName = new()
    {
        ["greeting"] = (new InitialHandshakePayload { ServerVersion = "11.4.2-MariaDB", ConnectionId = 7, AuthPluginData = new byte[20], Capabilities = Flags, AuthPluginName = "mysql_native_password" }.Serialize(),
            p => InitialHandshakePayload.Parse(p)),
        ["login"] = (new HandshakeResponse41Payload { Capabilities = Flags, User = "app", AuthResponse = new byte[20], Database = "db", AuthPluginName = "mysql_native_password", ConnectionAttributes = [3, 0x61, 0x62, 0x63] }.Serialize(),
            p => HandshakeResponse41Payload.Parse(p)),
        ["change user"] = (new ChangeUserPayload { User = "app", AuthResponse = new byte[20], Database = "db", CharacterSet = 45, AuthPluginName = "mysql_native_password", ConnectionAttributes = [3, 0x61, 0x62, 0x63] }.Serialize(Flags),
            p => ChangeUserPayload.Parse(p, Flags)),
        ["error"] = (new ErrorPayload(1045, "28000", "Access denied").Serialize(), p => ErrorPayload.Parse(p)),
        ["auth switch"] = (new AuthSwitchRequestPayload("caching_sha2_password", new byte[20]).Serialize(), p => AuthSwitchRequestPayload.Parse(p)),
        ["auth more data"] = ([AuthMoreDataPayload.Header, 0x03], p => AuthMoreDataPayload.Data(p)),
    };

    [Theory]
    [MemberData(nameof(Parsers))]
    public void Every_truncation_parses_or_throws_InvalidDataException(string parser)
    {
        var (valid, parse) = ParsersByName[parser];
        parse(valid);
        var refused = 0;
        for (var length = 0; length < valid.Length; length++)
        {
            refused += ParsesOrRefuses(parse, valid[..length]) ? 0 : 1;
        }

        // The empty payload at least must be refused: every parser reads a first byte.
        Assert.True(refused > 0);
    }

    [Theory]
    [MemberData(nameof(Parsers))]
    public void Garbled_payloads_parse_or_throw_InvalidDataException(string parser)
    {
        var (valid, parse) = ParsersByName[parser];
        var random = new Random(parser.Length * 7919);
        for (var round = 0; round < 2000; round++)
        {
            var garbled = valid[..random.Next(valid.Length + 1)];
            for (var flips = random.Next(1, 4); flips > 0 && garbled.Length > 0; flips--)
            {
                // Length prefixes and terminators are where a trusting parser goes wrong: favour them.
                garbled[random.Next(garbled.Length)] = random.Next(3) switch { 0 => 0xFE, 1 => 0x00, _ => (byte)random.Next(256) };
            }

            ParsesOrRefuses(parse, garbled);
        }
    }

    private static bool ParsesOrRefuses(Action<byte[]> parse, byte[] payload)
    {
        try
        {
            parse(payload);
            return true;
        }
        catch (Exception e) when (e is InvalidDataException or MySqlProtocolException)
        {
            return false;
        }
    }
}
