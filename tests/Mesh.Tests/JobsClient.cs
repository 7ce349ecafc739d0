using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FineTuneMesh.Mesh.Jobs;

namespace FineTuneMesh.Mesh.Tests;

/// <summary>The jobs API as another app uses it: plain HTTP through the gateway.</summary>
public static class JobsClient
{
    public static Task<HttpResponseMessage> SubmitAsync(this HttpClient gateway, JsonObject job) =>
        gateway.PostAsync("/api/train/jobs", new StringContent(job.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));

    public static async Task<JobRecord?> GetJobAsync(this HttpClient gateway, string id)
    {
        using var response = await gateway.GetAsync($"/api/train/jobs/{id}");
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JobRecord>(MeshJson.Options) : null;
    }

    /// <summary>Polls the job until <paramref name="until"/> holds, failing with the last record seen on timeout.</summary>
    public static async Task<JobRecord> WaitForJobAsync(this HttpClient gateway, string id, Func<JobRecord, bool> until, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(3));
        JobRecord? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await gateway.GetJobAsync(id);
            if (last is not null && until(last))
            {
                return last;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"job {id} never reached the expected state; last seen: {(last is null ? "none" : System.Text.Json.JsonSerializer.Serialize(last, MeshJson.Options))}");
    }

    public static Task<JobRecord> WaitForFinalAsync(this HttpClient gateway, string id, TimeSpan? timeout = null) =>
        gateway.WaitForJobAsync(id, r => r.IsFinal, timeout);
}
