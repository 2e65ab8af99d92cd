using System.Net;
using Polly;
using Polly.Retry;

namespace BranchTasks.Core.Providers.PlanetScale;

/// <summary>
/// When a request to PlanetScale's API is sent again (Polly's retry). 429 is always retried after its
/// Retry-After: the request was not processed. Network errors, timeouts and 5xx are retried only for GET and
/// DELETE, which mean the same the second time; a POST is a create whose outcome is then unknown, so it is
/// never repeated blindly (the caller looks up what became of it), except when the connection could not even
/// be opened, so nothing was sent.
/// </summary>
internal static class PlanetScaleHttpPolicy
{
    public const int MaxAttempts = 5;
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(60);

    public static ResiliencePipeline<HttpResponseMessage> Create(HttpMethod method, TimeSpan baseDelay, CancellationToken cancellationToken)
    {
        var safe = method == HttpMethod.Get || method == HttpMethod.Delete || method == HttpMethod.Head;
        return new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                Delay = baseDelay,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, safe, cancellationToken)),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { StatusCode: HttpStatusCode.TooManyRequests } limited ? RetryAfter(limited) : null),
                OnRetry = args =>
                {
                    // The answer that is retried is not read by anyone: free its connection.
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            })
            .Build();
    }

    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, bool safe, CancellationToken cancellationToken)
    {
        if (outcome.Result is { } response)
        {
            return response.StatusCode == HttpStatusCode.TooManyRequests || (safe && (int)response.StatusCode >= 500);
        }

        return outcome.Exception switch
        {
            HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError } => true,
            HttpRequestException => safe,
            TaskCanceledException => safe && !cancellationToken.IsCancellationRequested,
            _ => false,
        };
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var delay = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if (delay is null)
        {
            return null;
        }

        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay > MaxRetryAfter ? MaxRetryAfter : delay;
    }
}
