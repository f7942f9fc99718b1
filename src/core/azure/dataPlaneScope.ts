// Which Entra scope a data-plane token needs, from the endpoint's host: each Azure cloud has its own Cognitive
// Services audience (Azure's SDKs name them, e.g. FormRecognizerAudience and the .NET AzureOpenAIAudience):
//   *.openai.azure.com, *.cognitiveservices.azure.com  -> https://cognitiveservices.azure.com/.default
//   *.openai.azure.us,  *.cognitiveservices.azure.us   -> https://cognitiveservices.azure.us/.default  (US Government)
//   *.openai.azure.cn,  *.cognitiveservices.azure.cn   -> https://cognitiveservices.azure.cn/.default  (China)
// The `/openai/v1` paths of the public cloud document `https://ai.azure.com/.default`. Where the two readings meet
// (v1 on a sovereign cloud, for which no `ai.azure.*` audience is published), the cloud's Cognitive Services
// audience is used: the v1 paths accept it as well, and a public-cloud audience is never valid in a sovereign one.
// Any other host (the emulator, a proxy, `*.services.ai.azure.com`) is taken as the public cloud.

/** The scope of Azure OpenAI data-plane tokens on the classic (`api-version`) paths of the public cloud. */
export const COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';
/** The scope of data-plane tokens on the `/openai/v1` paths of the public cloud. */
export const AI_AZURE_SCOPE = 'https://ai.azure.com/.default';
/** The scope of data-plane tokens in Azure US Government (classic and v1 paths). */
export const US_GOVERNMENT_COGNITIVE_SCOPE = 'https://cognitiveservices.azure.us/.default';
/** The scope of data-plane tokens in Azure operated by 21Vianet (China; classic and v1 paths). */
export const CHINA_COGNITIVE_SCOPE = 'https://cognitiveservices.azure.cn/.default';

/** Host suffixes of the sovereign clouds' Azure OpenAI and Cognitive Services endpoints, and their scope. */
const sovereignHosts: readonly { readonly suffixes: readonly string[]; readonly scope: string }[] = [
  { suffixes: ['.openai.azure.us', '.cognitiveservices.azure.us'], scope: US_GOVERNMENT_COGNITIVE_SCOPE },
  { suffixes: ['.openai.azure.cn', '.cognitiveservices.azure.cn'], scope: CHINA_COGNITIVE_SCOPE },
];

/** The host of an endpoint, lower case, without a trailing dot; '' when it is not a URL. */
function hostOf(endpoint: string | undefined): string {
  try {
    return new URL((endpoint ?? '').trim()).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return '';
  }
}

/**
 * The Entra scope for an endpoint's data plane: its sovereign cloud's Cognitive Services audience on a `.azure.us` or
 * `.azure.cn` Azure OpenAI / Cognitive Services host; else `ai.azure.com` on `/openai/v1` (`v1`) and Cognitive
 * Services on the classic paths.
 */
export function dataPlaneScopeFor(endpoint: string | undefined, v1: boolean): string {
  const host = hostOf(endpoint);
  const sovereign = sovereignHosts.find((cloud) => cloud.suffixes.some((suffix) => host.endsWith(suffix)));
  if (sovereign) {
    return sovereign.scope;
  }
  return v1 ? AI_AZURE_SCOPE : COGNITIVE_SERVICES_SCOPE;
}
