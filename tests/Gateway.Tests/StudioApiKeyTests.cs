using static Microsoft.Playwright.Assertions;

namespace FineTuneMesh.Gateway.Tests;

/// <summary>
/// The Studio behind a gateway that requires an API key, in a real browser: the page itself loads
/// without the key, every API call it makes is refused until the key is typed (and says so next to
/// the key field), and with the key the playground streams from the served model.
/// </summary>
// The playground asks for its two columns at once: a mesh with a queue behind its one slot serves both.
public sealed class StudioApiKeyTests(QueueingMeshFixture mesh) : IClassFixture<QueueingMeshFixture>
{
    [Fact]
    public async Task WithoutTheKey_ThePageSaysItIsNeeded_AndWithItThePlaygroundStreams()
    {
        SetDefaultExpectTimeout(60_000);
        await using var browser = await StudioBrowser.LaunchAsync();
        var page = await browser.Browser.NewPageAsync();
        await page.GotoAsync(mesh.GatewayRest + "#playground");

        await Expect(page.GetByTestId("error-api-key")).ToContainTextAsync("needs an API key");
        await page.GetByTestId("api-key").FillAsync("wrong-key");
        await page.GetByTestId("api-key").PressAsync("Tab");
        await Expect(page.GetByTestId("error-api-key")).ToContainTextAsync("was refused");

        await page.GetByTestId("api-key").FillAsync(MeshFixture.ApiKey);
        await page.GetByTestId("api-key").PressAsync("Tab");
        await Expect(page.GetByTestId("status-line")).ToContainTextAsync(mesh.BaseModelId);
        await Expect(page.GetByTestId("error-api-key")).ToBeEmptyAsync();

        await page.GetByTestId("play-model-a").SelectOptionAsync(mesh.BaseModelId);
        await page.GetByTestId("play-mode").SelectOptionAsync("chat");
        await page.GetByTestId("play-user").FillAsync("Hello");
        await page.GetByTestId("play-max-tokens").FillAsync("5");
        await page.GetByTestId("play-run").ClickAsync();
        await Expect(page.GetByTestId("play-finish-a")).ToContainTextAsync("finish:");
        await Expect(page.GetByTestId("play-prompt")).ToContainTextAsync("Hello");
    }
}
