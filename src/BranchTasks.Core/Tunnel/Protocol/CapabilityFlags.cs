namespace BranchTasks.Core.Tunnel.Protocol;

/// <summary>Client/server capability flags of the MySQL protocol (the lower 32 bits; MariaDB's extended flags are separate).</summary>
[Flags]
internal enum CapabilityFlags : uint
{
    None = 0,
    LongPassword = 0x1,
    FoundRows = 0x2,
    LongFlag = 0x4,
    ConnectWithDatabase = 0x8,
    NoSchema = 0x10,
    Compress = 0x20,
    Odbc = 0x40,
    LocalFiles = 0x80,
    IgnoreSpace = 0x100,
    Protocol41 = 0x200,
    Interactive = 0x400,
    Ssl = 0x800,
    IgnoreSigpipe = 0x1000,
    Transactions = 0x2000,
    Reserved = 0x4000,
    SecureConnection = 0x8000,
    MultiStatements = 0x10000,
    MultiResults = 0x20000,
    PreparedStatementMultiResults = 0x40000,
    PluginAuth = 0x80000,
    ConnectionAttributes = 0x100000,
    PluginAuthLengthEncodedClientData = 0x200000,
    CanHandleExpiredPasswords = 0x400000,
    SessionTrack = 0x800000,
    DeprecateEof = 0x1000000,
    OptionalResultsetMetadata = 0x2000000,
    ZstdCompressionAlgorithm = 0x4000000,
    QueryAttributes = 0x8000000,
    MultiFactorAuthentication = 0x10000000,
    SslVerifyServerCertificate = 0x40000000,
    RememberOptions = 0x80000000,
}
