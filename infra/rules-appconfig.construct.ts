/**
 * Publishes a source's enrichment rules (a non-default rules file) as an AppConfig hosted configuration,
 * which the enrichment Lambda reads with Powertools Parameters (RULES_APPCONFIG_* variables).
 */
import { Stack } from 'aws-cdk-lib';
import {
  CfnApplication,
  CfnConfigurationProfile,
  CfnDeployment,
  CfnEnvironment,
  CfnHostedConfigurationVersion,
} from 'aws-cdk-lib/aws-appconfig';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** Properties of {@link RulesAppConfig}. */
export interface RulesAppConfigProps {
  /** Source name (names the application). */
  readonly sourceName: string;
  /** Environment name. */
  readonly environment: string;
  /** The rules document as JSON text (already validated). */
  readonly rulesJson: string;
}

/** AppConfig application / environment / hosted profile / deployment holding one source's rules. */
export class RulesAppConfig extends Construct {
  /** Identifiers passed to the enrichment Lambda. */
  readonly coordinates: { application: string; environment: string; profile: string };
  private readonly configurationArn: string;

  constructor(scope: Construct, id: string, props: RulesAppConfigProps) {
    super(scope, id);
    const app = new CfnApplication(this, 'Application', {
      name: `kafka-pipes-${props.sourceName}-${props.environment}`,
      description: `Enrichment rules of ${props.sourceName}`,
    });
    const env = new CfnEnvironment(this, 'Environment', { applicationId: app.ref, name: props.environment });
    const profile = new CfnConfigurationProfile(this, 'Profile', {
      applicationId: app.ref,
      name: 'rules',
      locationUri: 'hosted',
      type: 'AWS.Freeform',
    });
    const version = new CfnHostedConfigurationVersion(this, 'Version', {
      applicationId: app.ref,
      configurationProfileId: profile.ref,
      content: props.rulesJson,
      contentType: 'application/json',
    });
    new CfnDeployment(this, 'Deployment', {
      applicationId: app.ref,
      environmentId: env.ref,
      configurationProfileId: profile.ref,
      configurationVersion: version.ref,
      deploymentStrategyId: 'AppConfig.AllAtOnce',
    });
    this.coordinates = { application: app.ref, environment: env.ref, profile: profile.ref };
    this.configurationArn = Stack.of(this).formatArn({
      service: 'appconfig',
      resource: 'application',
      resourceName: `${app.ref}/environment/${env.ref}/configuration/${profile.ref}`,
    });
  }

  /** Lets a Lambda read the configuration. */
  grantRead(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ReadRulesFromAppConfig',
        actions: ['appconfig:StartConfigurationSession', 'appconfig:GetLatestConfiguration'],
        resources: [this.configurationArn],
      }),
    );
  }
}
