namespace BranchTasks.Core.Tunnel.Protocol.Auth;

/// <summary>A client-side authentication plugin: turns a password and the server's scramble into an auth response.</summary>
internal interface IAuthenticationPlugin
{
    string Name { get; }

    byte[] CreateResponse(string password, ReadOnlySpan<byte> scramble);
}

internal static class AuthenticationPlugins
{
    public static IAuthenticationPlugin? Find(string name) => name switch
    {
        NativePasswordPlugin.PluginName => NativePasswordPlugin.Instance,
        CachingSha2PasswordPlugin.PluginName => CachingSha2PasswordPlugin.Instance,
        Ed25519Plugin.PluginName => Ed25519Plugin.Instance,
        _ => null,
    };
}
