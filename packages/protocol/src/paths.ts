/** Every IVH path dhuman serves, exactly as the real gateway spells them (spec §3, §4, §9.2). */
const SESSION_MANAGER = '/v2/ivh/sessionmanager/sessionmanagerservice';

export const SESSION_PATHS = Object.freeze({
  createsession: `${SESSION_MANAGER}/createsession`,
  createsessionbyasset: `${SESSION_MANAGER}/createsessionbyasset`,
  statsession: `${SESSION_MANAGER}/statsession`,
  startsession: `${SESSION_MANAGER}/startsession`,
  closesession: `${SESSION_MANAGER}/closesession`,
  listsessionofuin: `${SESSION_MANAGER}/listsessionofuin`,
  listsessionofprojectid: `${SESSION_MANAGER}/listsessionofprojectid`,
  listsessionofassetvk: `${SESSION_MANAGER}/listsessionofassetvk`,
  listsessionofvk: `${SESSION_MANAGER}/listsessionofvk`,
});

export type SessionApiName = keyof typeof SESSION_PATHS;

export const CONFIG_PATHS = Object.freeze({
  describeactionconfigcommanddetail:
    '/v2/ivh/virtualmanconfig/virtualmanconfigopen/describeactionconfigcommanddetail',
});

export const DRIVE_PATHS = Object.freeze({
  command: '/v2/ivh/interactdriver/interactdriverservice/command',
  commandChannel: '/v2/ws/ivh/interactdriver/interactdriverservice/commandchannel',
  driverEngine: '/v2/ws/ivh/interactdriver/interactdriverservice/driverengine',
});

/** Every IVH path starts with this; dhuman's own additions live under `/dhuman/`. */
export const IVH_PREFIX = '/v2/';
export const IVH_WS_PREFIX = '/v2/ws/';
export const DHUMAN_PREFIX = '/dhuman/';
