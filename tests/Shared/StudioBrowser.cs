using Microsoft.Playwright;

namespace FineTuneMesh.Tests.Shared;

/// <summary>
/// Debian's Chromium driven by Playwright (which cannot download a browser build of its own here),
/// for the Studio's tests in each project that has one. <c>tools/install-test-browser.sh</c>, run
/// by test.sh, installs it; without it the tests fail with that instruction rather than pass unseen.
/// </summary>
public sealed class StudioBrowser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;

    private StudioBrowser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static async Task<StudioBrowser> LaunchAsync()
    {
        Assert.True(File.Exists(ChromiumPath), $"no browser at {ChromiumPath}: run tools/install-test-browser.sh (test.sh does).");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        return new StudioBrowser(playwright, browser);
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
