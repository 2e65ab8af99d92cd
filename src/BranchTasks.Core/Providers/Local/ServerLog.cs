using System.Text;

namespace BranchTasks.Core.Providers.Local;

/// <summary>Reads what the server wrote to <c>server.log</c>, to quote it when a start fails.</summary>
internal static class ServerLog
{
    public static long CurrentLength(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    /// <summary>The last <paramref name="maxLines"/> lines written after <paramref name="fromOffset"/>.</summary>
    public static string Tail(string path, long fromOffset, int maxLines = 20)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var start = Math.Max(fromOffset, stream.Length - 16 * 1024);
            stream.Seek(Math.Min(start, stream.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var tail = lines.Skip(Math.Max(0, lines.Length - maxLines)).Select(l => l.TrimEnd('\r'));
            var text = string.Join(Environment.NewLine, tail);
            return text.Length == 0 ? "(the log is empty)" : text;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return "(no log was written)";
        }
    }
}
