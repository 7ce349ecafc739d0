using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FineTuneMesh.Mesh.Tests;

/// <summary>
/// The Studio in a real browser against the real mesh on the tiny model: data (synthesized by the
/// loopback LLM server, a JSONL upload, a bad count refused next to its field), training with the
/// live chart, evaluation, the playground's two models side by side, an adapter's download and
/// GGUF export, and a sweep whose winner is promoted to an alias. Each page is saved as a
/// screenshot under the test logs folder.
/// </summary>
[Collection(MeshCollection.Name)]
public sealed class StudioJourneyTests(MeshApp mesh)
{
    private static readonly float _wait = (float)TimeSpan.FromMinutes(3).TotalMilliseconds;

    [Fact]
    public async Task TheWholeJourney_DataTrainEvaluatePlaygroundAdapters()
    {
        SetDefaultExpectTimeout(_wait);
        await using var browser = await StudioBrowser.LaunchAsync();
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 1000 },
            AcceptDownloads = true,
        });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        var screenshots = Path.Combine(mesh.LogDirectory, "studio");
        var suffix = Guid.NewGuid().ToString("N")[..6];

        try
        {
            await WalkAsync(page, screenshots, suffix);
        }
        catch
        {
            await ScreenshotAsync(page, screenshots, "failure.png");
            throw;
        }

        Assert.Empty(errors);
    }

    private async Task WalkAsync(IPage page, string screenshots, string suffix)
    {
        await page.GotoAsync(mesh.Gateway.BaseAddress + "#data");
        await Expect(page.GetByTestId("status-line")).ToContainTextAsync("builtin/tiny");

        // Data: a bad count is refused next to its field and nothing typed is lost.
        await page.GetByTestId("data-template").FillAsync("### Question:\n{question}\n\n### Answer:\n{answer}\n### DONE!");
        await page.GetByTestId("synth-count").FillAsync("0");
        await page.GetByTestId("synth-provider").SelectOptionAsync("fake");
        await page.GetByTestId("synth-run").ClickAsync();
        await Expect(page.GetByTestId("error-synth-count")).ToContainTextAsync("at least 1");
        await Expect(page.GetByTestId("data-template")).ToHaveValueAsync("### Question:\n{question}\n\n### Answer:\n{answer}\n### DONE!");
        await Expect(page.GetByTestId("seed-0-question")).Not.ToHaveValueAsync("");

        // Synthesis through the loopback LLM server: the examples arrive, each accepted or with its reason.
        await page.GetByTestId("synth-count").FillAsync("12");
        await page.GetByTestId("synth-run").ClickAsync();
        await Expect(page.GetByTestId("synth-status")).ToContainTextAsync("succeeded");
        Assert.True(await page.GetByTestId("synth-entries").Locator("[data-accepted='true']").CountAsync() >= 12);

        // A JSONL upload adds its rows to the dataset.
        var rowsBefore = await page.GetByTestId("dataset-rows").Locator("tbody tr").CountAsync();
        var upload = Path.Combine(mesh.DataDirectory, $"upload-{suffix}.jsonl");
        await File.WriteAllLinesAsync(upload, ["{\"question\": \"What is a set?\", \"answer\": \"An unordered collection of unique items.\"}",
            "{\"question\": \"What is a tuple?\", \"answer\": \"An immutable sequence.\"}"]);
        await page.GetByTestId("dataset-upload").SetInputFilesAsync(upload);
        await Expect(page.GetByTestId("dataset-rows").Locator("tbody tr")).ToHaveCountAsync(rowsBefore + 2);

        var dataset = $"studio-{suffix}";
        await page.GetByTestId("dataset-name").FillAsync(dataset);
        await page.GetByTestId("dataset-save").ClickAsync();
        await Expect(page.GetByTestId("dataset-saved")).ToContainTextAsync($"{dataset} v1");
        await ScreenshotAsync(page, screenshots, "1-data.png");

        // Train: a base model the mesh does not know is refused with the API's message, and nothing
        // typed is lost; then a job with the live chart.
        await page.GetByTestId("tab-train").ClickAsync();
        var adapter = $"studio-{suffix}";
        await page.GetByTestId("train-adapter-name").FillAsync(adapter);
        await page.GetByTestId("train-base-model").FillAsync("nobody/no-such-model");
        await page.GetByTestId("train-dataset").SelectOptionAsync($"library/{dataset}/v1.jsonl");
        await page.GetByTestId("train-submit").ClickAsync();
        await Expect(page.Locator("[data-testid='error-train-base-model'], [data-testid='form-error-train']")
            .Filter(new() { HasText = "nobody/no-such-model" }).First).ToBeVisibleAsync();
        await Expect(page.GetByTestId("train-adapter-name")).ToHaveValueAsync(adapter);

        await page.GetByTestId("train-base-model").FillAsync("builtin/tiny");
        await page.GetByTestId("train-lr").FillAsync("0.005");
        await page.GetByTestId("train-epochs").FillAsync("3");
        await page.GetByTestId("train-eval-max-tokens").FillAsync("16");
        await page.GetByTestId("train-submit").ClickAsync();
        await Expect(page.GetByTestId("train-status")).ToContainTextAsync("succeeded");
        await Expect(page.GetByTestId("train-chart").Locator("svg polyline, svg path").First).ToBeVisibleAsync();
        await ScreenshotAsync(page, screenshots, "2-train.png");

        // Evaluate: the held-out adherence with each generated text, and a comparison.
        await page.GetByTestId("tab-evaluate").ClickAsync();
        await page.GetByTestId("eval-refresh").ClickAsync();
        await page.GetByTestId("eval-adapter").SelectOptionAsync($"{adapter}:1");
        await Expect(page.GetByTestId("eval-summary")).ToContainTextAsync("Adherent");
        await Expect(page.GetByTestId("eval-examples").Locator("tbody tr").First).ToBeVisibleAsync();
        await page.GetByTestId($"eval-pick-{adapter}-1").CheckAsync();
        await page.GetByTestId("eval-compare-run").ClickAsync();
        await Expect(page.GetByTestId("eval-compare-table")).ToContainTextAsync(adapter);
        await ScreenshotAsync(page, screenshots, "3-evaluate.png");

        // Playground: the base model and the adapter side by side, streamed, with the prompt as the model saw it.
        await page.GetByTestId("tab-playground").ClickAsync();
        await page.GetByTestId("play-model-b").SelectOptionAsync(adapter);
        await Expect(page.GetByTestId("play-template-note")).ToContainTextAsync(adapter);
        await page.GetByTestId("play-field-question").FillAsync("What is a list?");
        await page.GetByTestId("play-max-tokens").FillAsync("8");
        await page.GetByTestId("play-run").ClickAsync();
        await Expect(page.GetByTestId("play-finish-a")).ToContainTextAsync("finish:");
        await Expect(page.GetByTestId("play-finish-b")).ToContainTextAsync("finish:");
        Assert.False(string.IsNullOrEmpty(await page.GetByTestId("play-output-b").TextContentAsync()));
        await Expect(page.GetByTestId("play-prompt")).ToContainTextAsync("What is a list?");
        await ScreenshotAsync(page, screenshots, "4-playground.png");

        // Adapters: the PEFT weights download, and a GGUF export.
        await page.GetByTestId("tab-adapters").ClickAsync();
        await page.GetByTestId("adapters-refresh").ClickAsync();
        await page.GetByTestId("adapters-list").GetByText(adapter).First.ClickAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("adapter-download-adapter_model.safetensors").ClickAsync());
        var saved = Path.Combine(mesh.DataDirectory, $"download-{suffix}.safetensors");
        await download.SaveAsAsync(saved);
        Assert.True(new FileInfo(saved).Length > 1000);
        await page.GetByTestId("adapter-export-gguf").ClickAsync();
        await Expect(page.GetByTestId("adapter-export-result")).ToContainTextAsync("model-f16.gguf");
        await ScreenshotAsync(page, screenshots, "5-adapters.png");

        // Sweeps: a small grid on the saved dataset, its live leaderboard, and the winner promoted to an alias.
        await page.GetByTestId("tab-sweeps").ClickAsync();
        await page.GetByTestId("sweep-adapter-name").FillAsync($"swept-{suffix}");
        await page.GetByTestId("sweep-base-model").FillAsync("builtin/tiny");
        await page.GetByTestId("sweep-dataset").SelectOptionAsync($"library/{dataset}/v1.jsonl");
        await page.GetByTestId("sweep-lr-values").FillAsync("0.005, 0.02");
        await page.GetByTestId("sweep-epochs-values").FillAsync("1, 2");
        await page.GetByTestId("sweep-eval-max-tokens").FillAsync("12");
        await page.GetByTestId("sweep-submit").ClickAsync();
        await Expect(page.GetByTestId("sweep-status")).ToContainTextAsync("succeeded");
        await Expect(page.GetByTestId("sweep-leaderboard").Locator("tbody tr")).ToHaveCountAsync(4);
        var winner = await page.GetByTestId("sweep-leaderboard").Locator("tbody tr[data-rank='1']").GetAttributeAsync("data-index");
        await page.GetByTestId($"sweep-promote-{winner}").ClickAsync();
        await Expect(page.GetByTestId("sweep-promoted")).ToContainTextAsync($"swept-{suffix}:production");
        await ScreenshotAsync(page, screenshots, "6-sweeps.png");
    }

    /// <summary>The whole page from its top (scrolled down, the sticky tab bar would sit mid-page in the picture).</summary>
    private static async Task ScreenshotAsync(IPage page, string folder, string name)
    {
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name), FullPage = true });
    }
}
