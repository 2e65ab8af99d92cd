using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using BranchTasks.Core.State;

namespace BranchTasks.Core.Providers.Server;

/// <summary>
/// The app accounts the tool made on shared (<c>mysql</c>) servers: their passwords in
/// <c>mysql-accounts.json</c> in the state directory (mode 0600), keyed by <c>host:port</c>, and the one
/// log line per server where the admin login may not make them.
/// </summary>
public sealed class SharedServerAccounts(StateDirectory state, Action<string>? log = null)
{
    public const string FileName = "mysql-accounts.json";

    // Letters and digits survive every quoting layer; the suffix meets password policies that want every class.
    private const string PasswordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private const string PolicySuffix = "-Aa1";

    // One daemon serves many requests at once; the file is read, changed and written as one step.
    private static readonly Lock FileGate = new();

    private readonly ConcurrentDictionary<string, bool> _warned = new(StringComparer.OrdinalIgnoreCase);

    public string FilePath => state.PathOf(FileName);

    public AppAccountPolicy PolicyFor(string host, int port, string adminUser)
    {
        var server = $"{host}:{port}";
        return new AppAccountPolicy(AppAccountPolicy.AnyHost, user => PasswordFor(server, user), reason => Warn(server, reason), adminUser);
    }

    private string PasswordFor(string server, string user)
    {
        lock (FileGate)
        {
            var all = Read();
            if (!all.TryGetValue(server, out var accounts))
            {
                accounts = new Dictionary<string, string>(StringComparer.Ordinal);
                all[server] = accounts;
            }

            if (accounts.TryGetValue(user, out var password) && password.Length > 0)
            {
                return password;
            }

            password = RandomNumberGenerator.GetString(PasswordAlphabet, 32) + PolicySuffix;
            accounts[user] = password;
            state.EnsureDirectory();
            StateDirectory.WritePrivateFile(FilePath, JsonSerializer.Serialize(all, CoreJson.Plain.DictionaryStringDictionaryStringString));
            return password;
        }
    }

    private Dictionary<string, Dictionary<string, string>> Read()
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(FilePath), CoreJson.Plain.DictionaryStringDictionaryStringString)
                ?? new Dictionary<string, Dictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            // A lost or damaged file costs new passwords, which the next grant sets on the accounts.
            return new Dictionary<string, Dictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
        }
    }

    private void Warn(string server, string reason)
    {
        if (_warned.TryAdd(server, true))
        {
            log?.Invoke(
                $"mysql server {server}: the admin login may not create a scoped app account ({reason}); " +
                "tunnels to it log in with the admin credentials, so apps get every right the admin has there.");
        }
    }
}
