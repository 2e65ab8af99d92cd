using BranchTasks.Core.Errors;
using BranchTasks.Core.Platform;

namespace BranchTasks.Core.Providers.Local;

/// <summary>
/// A cross-process lock around "is the server up, else start it": an exclusively opened lock file
/// (.NET takes an OS lock for FileShare.None), released when disposed or when the holder dies.
/// </summary>
internal sealed class ServerLock : IDisposable
{
    private readonly FileStream _stream;

    private ServerLock(FileStream stream)
    {
        _stream = stream;
    }

    public static async Task<ServerLock> AcquireAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            try
            {
                return new ServerLock(PrivateFile.OpenLock(path));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
            }
            catch (IOException e)
            {
                throw new BranchTasksException(
                    ErrorCodes.ServerStartFailed,
                    $"Another BranchTasks process has held the private server's lock ({path}) for more than {timeout.TotalSeconds:0} s. " +
                    "Wait for it to finish, or end the stuck branchtasks process and try again.",
                    e);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
