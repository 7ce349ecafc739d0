using System.Net.Http.Headers;
using FineTuneMesh.Synth.Service.Generation;
using FineTuneMesh.Synth.Service.Providers;

namespace FineTuneMesh.Synth.Service.Tests;

public sealed class BackoffTests
{
    private static readonly TimeSpan _initial = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan _max = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(1, 1000)]
    [InlineData(2, 2000)]
    [InlineData(3, 4000)]
    public void WithoutRetryAfter_ItDoubles_WithUpTo20PercentJitter(int attempt, double expectedMs)
    {
        var delay = Backoff.Delay(attempt, _initial, _max, null, TimeSpan.FromMinutes(1));

        Assert.InRange(delay.TotalMilliseconds, expectedMs, expectedMs * 1.2);
    }

    [Fact]
    public void ItStopsAtTheMaximum() =>
        Assert.Equal(_max, Backoff.Delay(10, _initial, _max, null, TimeSpan.FromMinutes(1)));

    [Fact]
    public void RetryAfter_Wins_UpToItsCap()
    {
        Assert.Equal(TimeSpan.FromSeconds(7), Backoff.Delay(1, _initial, _max, TimeSpan.FromSeconds(7), TimeSpan.FromMinutes(1)));
        Assert.Equal(TimeSpan.FromMinutes(1), Backoff.Delay(1, _initial, _max, TimeSpan.FromHours(1), TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void RetryAfterHeaders_SecondsDateAndMilliseconds_AreRead()
    {
        var now = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
        using var seconds = new HttpResponseMessage();
        seconds.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(3));
        using var date = new HttpResponseMessage();
        date.Headers.RetryAfter = new RetryConditionHeaderValue(now.AddSeconds(5));
        using var milliseconds = new HttpResponseMessage();
        milliseconds.Headers.Add("retry-after-ms", "250");
        using var none = new HttpResponseMessage();

        Assert.Equal(TimeSpan.FromSeconds(3), RetryAfterHandler.Parse(seconds.Headers, now));
        Assert.Equal(TimeSpan.FromSeconds(5), RetryAfterHandler.Parse(date.Headers, now));
        Assert.Equal(TimeSpan.FromMilliseconds(250), RetryAfterHandler.Parse(milliseconds.Headers, now));
        Assert.Null(RetryAfterHandler.Parse(none.Headers, now));
    }
}
